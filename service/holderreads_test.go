package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/service"
)

// Concurrent verifications share batched card-and-holder reads: each
// request must still get its own card, and a change committed before a
// request arrives must be seen by it.
func TestConcurrentVerificationsShareReads(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		ctx := context.Background()
		clerk := app.Actor(docketcard.RoleRelyingParty)
		clerk.Agency = app.Users[docketcard.RoleRelyingParty].Agency
		var cards []*docketcard.Card
		for i := range 4 {
			cards = append(cards, app.Activate(t, issuedCard(t, app, fmt.Sprintf("A20000070%d", i)).ID))
		}

		type ask struct {
			req        service.VerifyRequest
			wantNumber string
			want       docketcard.VerifyResult
		}
		var asks []ask
		for _, c := range cards {
			asks = append(asks, ask{service.VerifyRequest{QR: c.QRText}, c.CardNumber, docketcard.VerifyValid},
				ask{service.VerifyRequest{CardNumber: c.CardNumber}, c.CardNumber, docketcard.VerifyValid})
		}
		asks = append(asks, ask{service.VerifyRequest{CardNumber: "DC9999999"}, "", docketcard.VerifyNotGenuine})
		const rounds = 6
		var wg sync.WaitGroup
		errs := make(chan error, rounds*len(asks))
		for r := range rounds {
			for i, a := range asks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, err := app.Service.VerifyCard(ctx, clerk, a.req)
					switch {
					case err != nil:
						errs <- fmt.Errorf("round %d ask %d: %v", r, i, err)
					case v.Result != a.want || v.CardNumber != a.wantNumber:
						errs <- fmt.Errorf("round %d ask %d: got %s for %q, want %s for %q", r, i, v.Result, v.CardNumber, a.want, a.wantNumber)
					case a.req.QR != "" && (v.Holder == nil || len(v.Holder.Photo) == 0):
						errs <- fmt.Errorf("round %d ask %d: valid QR without the holder's name and photo", r, i)
					case a.req.QR == "" && v.Holder != nil:
						errs <- fmt.Errorf("round %d ask %d: a relying party with only a card number was shown the holder", r, i)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		// Revoked, then verified: the read starts after the revocation.
		if _, err := app.Service.TransitionCard(ctx, app.Actor(docketcard.RoleEnrollmentOfficer), cards[2].ID,
			docketcard.TransitionRequest{Event: docketcard.EventRevoke, Reason: docketcard.ReasonFraud, Note: "altered photo"}); err != nil {
			t.Fatal(err)
		}
		if v, err := app.Service.VerifyCard(ctx, clerk, service.VerifyRequest{QR: cards[2].QRText}); err != nil || v.Result != docketcard.VerifyRevoked {
			t.Fatalf("after revocation: %+v, %v", v, err)
		}
	})
}

// CardHolders reads up to 64 numbers per statement (padded to a power of
// two): cards at the edges of the chunks, numbers without a card, and a
// number given twice.
func TestCardHoldersChunks(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		app := cardApp(t, dialect)
		var cards []*docketcard.Card
		for i := range 3 {
			cards = append(cards, issuedCard(t, app, fmt.Sprintf("A20000071%d", i)))
		}
		numbers := make([]string, 70)
		for i := range numbers {
			numbers[i] = fmt.Sprintf("DC99%05d", i)
		}
		numbers[0], numbers[63], numbers[64], numbers[69] = cards[0].CardNumber, cards[1].CardNumber, cards[2].CardNumber, cards[0].CardNumber
		for _, tc := range []struct {
			name    string
			numbers []string
			want    int
		}{
			{"none", nil, 0},
			{"one", numbers[63:64], 1},
			{"a chunk and a padded remainder", numbers, 3},
			{"only numbers without a card", numbers[1:5], 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := app.DB.CardHolders(context.Background(), tc.numbers)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != tc.want {
					t.Fatalf("%d holders, want %d", len(got), tc.want)
				}
				for n, h := range got {
					if h.Card.CardNumber != n || h.FamilyNames == "" {
						t.Fatalf("holder of %s: %+v", n, h)
					}
				}
			})
		}
	})
}
