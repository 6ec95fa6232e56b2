package store

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAuditFilterInputParse(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(dayFormat, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name   string
		in     AuditFilterInput
		want   AuditFilter
		fields []string
	}{
		{"empty", AuditFilterInput{}, AuditFilter{}, nil},
		{"organization id", AuditFilterInput{Organization: " 123 "}, AuditFilter{OrganizationID: 123}, nil},
		{"organization name", AuditFilterInput{Organization: " Acme 2 "}, AuditFilter{OrganizationName: "Acme 2"}, nil},
		{"organization id too large", AuditFilterInput{Organization: "99999999999"}, AuditFilter{}, []string{"organization"}},
		{"organization id zero", AuditFilterInput{Organization: "0"}, AuditFilter{}, []string{"organization"}},
		{"organization too long", AuditFilterInput{Organization: strings.Repeat("é", 201)}, AuditFilter{}, []string{"organization"}},
		{"user", AuditFilterInput{User: " ada@ "}, AuditFilter{User: "ada@"}, nil},
		{"user too long", AuditFilterInput{User: strings.Repeat("a", 201)}, AuditFilter{}, []string{"user"}},
		{"outcome", AuditFilterInput{Outcome: "no_answer"}, AuditFilter{Outcome: OutcomeNoAnswer}, nil},
		{"unknown outcome", AuditFilterInput{Outcome: "exploded"}, AuditFilter{}, []string{"outcome"}},
		{"days", AuditFilterInput{From: "2026-03-01", To: "2026-03-31"}, AuditFilter{From: day("2026-03-01"), To: day("2026-04-01")}, nil},
		{"same day", AuditFilterInput{From: "2026-03-01", To: "2026-03-01"}, AuditFilter{From: day("2026-03-01"), To: day("2026-03-02")}, nil},
		{"malformed from", AuditFilterInput{From: "01/03/2026"}, AuditFilter{}, []string{"from"}},
		{"impossible to", AuditFilterInput{To: "2026-02-30"}, AuditFilter{}, []string{"to"}},
		{"from after to", AuditFilterInput{From: "2026-03-02", To: "2026-03-01"}, AuditFilter{}, []string{"to"}},
		{"several", AuditFilterInput{Outcome: "x", From: "x", To: "y"}, AuditFilter{}, []string{"outcome", "from", "to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := tt.in.Parse()
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Message == "" {
					t.Errorf("error for %s has no message", e.Field)
				}
			}
			if !reflect.DeepEqual(fields, tt.fields) {
				t.Errorf("error fields = %v, want %v (%v)", fields, tt.fields, errs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("filter = %+v, want %+v", got, tt.want)
			}
		})
	}
}
