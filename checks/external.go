package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/provider"
	"github.com/docketcard/docketcard/service"
)

// External runs one check type at an external provider (the federal
// systems) over the generic protocol: the first attempt submits, with the
// check's id as the idempotency key so a retry never starts a second
// check; later attempts poll, unless the provider's signed callback has
// finished the check first.
type External struct {
	Client      *provider.Client
	Type        docketcard.CheckType
	CallbackURL string // the server's callback endpoint, or "" to rely on polling
}

// Run performs one attempt.
func (e External) Run(ctx context.Context, p *docketcard.Person, c *docketcard.Check) (*service.CheckOutcome, error) {
	if c.ProviderRef != "" {
		res, err := e.Client.Poll(ctx, c.ProviderRef)
		if err != nil {
			return nil, classify(err)
		}
		return Outcome(res)
	}
	ack, err := e.Client.Submit(ctx, &provider.CheckRequest{CheckType: provider.CheckType(e.Type),
		Subject: provider.SubjectFromPerson(p, c.ID), CallbackURL: e.CallbackURL}, c.ID)
	if err != nil {
		return nil, classify(err)
	}
	if ack.Result != nil {
		return Outcome(ack.Result)
	}
	return &service.CheckOutcome{State: docketcard.CheckPending, ProviderRef: ack.ProviderRef}, nil
}

func classify(err error) error {
	if provider.IsRetryable(err) {
		return fmt.Errorf("%w: %v", service.ErrRetry, err)
	}
	return err
}

// Outcome turns a provider result into a check outcome.
func Outcome(res *provider.Result) (*service.CheckOutcome, error) {
	ev, err := json.Marshal(map[string]any{"provider_ref": res.ProviderRef, "evidence": res.Evidence, "detail": res.Detail})
	if err != nil {
		return nil, fmt.Errorf("provider %s: the result's evidence is not valid JSON: %v", res.ProviderRef, err)
	}
	out := &service.CheckOutcome{ProviderRef: res.ProviderRef, Evidence: string(ev)}
	switch res.Status {
	case provider.StatusPending:
		out.State = docketcard.CheckPending
	case provider.StatusClear:
		out.State = docketcard.CheckClear
	case provider.StatusPossibleMatch:
		out.State = docketcard.CheckPossibleMatch
		for _, e := range res.Evidence {
			out.Score = max(out.Score, e.Score)
		}
		if out.Score == 0 {
			out.Score = 1
		}
	default:
		return nil, errors.New("the provider reported an error: " + res.Detail)
	}
	return out, nil
}
