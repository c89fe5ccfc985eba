package main

import (
	"context"

	"github.com/docketcard/docketcard/provider/checksim"
)

// checksim runs the external check-provider simulator: configurable
// latency, hit rate, error rate and dropped callbacks, speaking the same
// protocol as the federal systems' adapters (provider/PROTOCOL.md).
func (m *Main) checksim(ctx context.Context, args []string) error {
	if code := checksim.MainContext(ctx, args, m.Stdout, m.Stderr); code != 0 {
		return exitCodeError{code: code}
	}
	return nil
}
