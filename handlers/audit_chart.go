package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// The chart's geometry, in SVG units: a plot area left of which the counts
// are labelled, and below which go the day labels and the legend.
const (
	chartDays   = 30
	chartWidth  = 720
	chartHeight = 250
	chartLeft   = 40
	chartTop    = 10
	chartBottom = chartHeight - 40
	chartSlot   = (chartWidth - chartLeft) / chartDays
	chartBar    = chartSlot - 6
	// chartLegendChar is a generous width of one character of the
	// legend's 11-unit type, so that entries never run into each other;
	// chartLegendRow is the height of a row of the legend.
	chartLegendChar = 7
	chartLegendRow  = 16
)

// outcomeFills colours each outcome; the legend, the bar titles and the
// table say the same in words.
var outcomeFills = map[store.AuditOutcome]string{
	store.OutcomeSucceeded:      "#2e7d32",
	store.OutcomeDigiCertError:  "#c62828",
	store.OutcomeNoAnswer:       "#ef6c00",
	store.OutcomeReconciled:     "#1565c0",
	store.OutcomeRejected:       "#6d4c41",
	store.OutcomePending:        "#7b1fa2",
	store.OutcomeChangedOutside: "#00838f",
}

// auditChart counts the submissions of the 30 days up to now, by day and
// outcome.
func (s *server) auditChart(ctx context.Context, now time.Time, allowed []int) (views.AuditChart, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, 1-chartDays)
	counts, err := s.Store.AuditDailyCounts(ctx, first, today.AddDate(0, 0, 1), allowed)
	if err != nil {
		return views.AuditChart{}, err
	}
	return buildChart(first, counts), nil
}

// buildChart lays out chartDays days from first as stacked bars.
func buildChart(first time.Time, counts []store.AuditDayCount) views.AuditChart {
	outcomes := store.AuditOutcomes()
	outcomeIndex := map[store.AuditOutcome]int{}
	c := views.AuditChart{Width: chartWidth, Height: chartHeight, Bottom: chartBottom}
	x, y := 0, chartHeight-14
	for i, o := range outcomes {
		outcomeIndex[o] = i
		label := outcomeLabel(o)
		c.Outcomes = append(c.Outcomes, label)
		// Entries follow each other, a swatch then the label, and wrap
		// to a new row where the next would not fit.
		w := 14 + len(label)*chartLegendChar + 16
		if x > 0 && x+w > chartWidth {
			x, y = 0, y+chartLegendRow
			c.Height += chartLegendRow
		}
		c.Legend = append(c.Legend, views.ChartLegend{X: x, Y: y, Fill: outcomeFills[o], Label: label})
		x += w
	}
	c.Days = make([]views.ChartDay, chartDays)
	for d := range c.Days {
		c.Days[d] = views.ChartDay{Day: first.AddDate(0, 0, d).Format("Mon 2 Jan 2006"), Counts: make([]int, len(outcomes))}
	}
	totals := make([]int, len(outcomes))
	for _, dc := range counts {
		d := int(dc.Day.Sub(first) / (24 * time.Hour))
		o, known := outcomeIndex[dc.Outcome]
		if d < 0 || d >= chartDays || !known {
			continue
		}
		c.Days[d].Counts[o] += dc.Count
		c.Days[d].Total += dc.Count
		totals[o] += dc.Count
		c.Total += dc.Count
	}
	top := 1
	for _, d := range c.Days {
		top = max(top, d.Total)
	}
	top = niceCeiling(top)
	for _, v := range []int{0, top / 2, top} {
		c.YTicks = append(c.YTicks, views.ChartTick{Y: chartY(v, top), Label: strconv.Itoa(v)})
	}
	for d, day := range c.Days {
		x := chartLeft + d*chartSlot + (chartSlot-chartBar)/2
		base := 0
		for o, n := range day.Counts {
			if n == 0 {
				continue
			}
			y0, y1 := chartY(base, top), chartY(base+n, top)
			c.Bars = append(c.Bars, views.ChartBar{
				X: x, Y: y1, W: chartBar, H: max(1, y0-y1), Fill: outcomeFills[outcomes[o]],
				Title: first.AddDate(0, 0, d).Format("2 Jan") + ": " + strconv.Itoa(n) + " " + outcomeWords(outcomes[o]),
			})
			base += n
		}
		if d%5 == 0 || d == chartDays-1 {
			c.Ticks = append(c.Ticks, views.ChartTick{X: x + chartBar/2, Y: chartBottom + 14, Label: first.AddDate(0, 0, d).Format("2 Jan")})
		}
	}
	words := make([]string, len(outcomes))
	for i, o := range outcomes {
		words[i] = outcomeWords(o)
	}
	c.Caption = chartCaption(first, c.Total, totals, words)
	return c
}

// chartY is the vertical position of count v on a scale of 0 to top.
func chartY(v, top int) int {
	return chartBottom - v*(chartBottom-chartTop)/top
}

// niceCeiling rounds n up to 2, 4, 6 or 10 times a power of ten, so the
// axis labels are round numbers; an even top keeps the middle label whole.
func niceCeiling(n int) int {
	if n <= 2 {
		return 2
	}
	for scale := 1; ; scale *= 10 {
		for _, m := range []int{2, 4, 6, 10} {
			if n <= m*scale {
				return m * scale
			}
		}
	}
}

// outcomeWords is an outcome's label inside a sentence.
func outcomeWords(o store.AuditOutcome) string {
	label := outcomeLabel(o)
	if strings.HasPrefix(label, "DigiCert") {
		return label
	}
	return strings.ToLower(label)
}

// chartCaption sums up the chart in a sentence.
func chartCaption(first time.Time, total int, totals []int, labels []string) string {
	last := first.AddDate(0, 0, chartDays-1)
	span := first.Format("2 Jan") + " to " + last.Format("2 Jan 2006")
	if total == 0 {
		return "No submissions from " + span + "."
	}
	var parts []string
	for i, n := range totals {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+labels[i])
		}
	}
	return plural(total, "submission", "submissions") + " from " + span + ": " + strings.Join(parts, ", ") + "."
}
