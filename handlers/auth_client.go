package handlers

import (
	"net"
	"time"

	"github.com/labstack/echo/v4"
)

// clientAddrExtractor returns how the client address is found. Without
// trusted proxies it is the socket's peer: X-Forwarded-For is anybody's
// to write. With them, X-Forwarded-For is read from the right, skipping
// only addresses inside the trusted networks; Echo's defaults of also
// trusting loopback, link-local and private addresses are turned off, so
// that nothing is trusted unless configured.
func clientAddrExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{
		echo.TrustLoopback(false),
		echo.TrustLinkLocal(false),
		echo.TrustPrivateNet(false),
	}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// now is the current time from the configured clock.
func (s *server) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}
