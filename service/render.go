package service

import (
	"context"
	"strings"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/card"
)

// CardLayout returns the card layout from the policy's printed fields.
func (s *Service) CardLayout() (card.Layout, error) {
	l := card.DefaultLayout()
	if len(s.cardPolicy.Fields) > 0 {
		l.Fields = s.cardPolicy.Fields
	}
	return l, l.Validate()
}

// CardData maps a card, its holder and site to what the card shows.
func CardData(cp *CardPrint, portalURL string) card.Data {
	p, c := cp.Person, cp.Card
	dob := p.DateOfBirth
	var dobText string
	switch dob.Precision() {
	case docketcard.PrecisionDay:
		dobText = dob.Earliest().Format("02 Jan 2006")
	case docketcard.PrecisionMonth:
		dobText = dob.Earliest().Format("Jan 2006")
	default:
		dobText = dob.String()
	}
	mrzLines := strings.Split(c.MRZ, "\n")
	var mrz [3]string
	copy(mrz[:], mrzLines)
	return card.Data{
		CardNumber: c.CardNumber, FamilyNames: p.FamilyNames, GivenNames: p.GivenNames, ANumber: p.ANumber.Formatted(),
		Citizenship: docketcard.CountryName(p.CountryOfCitizenship), DateOfBirth: strings.ToUpper(dobText), Sex: string(p.Sex),
		IssueDate: c.IssuedAt, ExpiryDate: c.ExpiresAt, IssuingOffice: cp.Site.Name, Photo: cp.Photo,
		QRPayload: c.QRText, MRZ: mrz, PortalURL: portalURL,
	}
}

// RenderCard renders a signed card for printing (PDF and 300-dpi PNGs).
// Audited as a read of the holder's record.
func (s *Service) RenderCard(ctx context.Context, a docketcard.Actor, id string) (*card.Output, *docketcard.Card, error) {
	cp, err := s.CardForPrint(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	l, err := s.CardLayout()
	if err != nil {
		return nil, nil, err
	}
	data := CardData(cp, s.cardPolicy.PortalURL)
	out, err := card.Render(data, l)
	if docketcard.ErrorCode(err) == docketcard.ETOOLARGE && l.QRErrorCorrection != "L" {
		// A payload over credential.PayloadTarget (exceptionally long
		// names) fits the card's QR area only at error correction level L.
		l.QRErrorCorrection = "L"
		out, err = card.Render(data, l)
	}
	if err != nil {
		return nil, nil, err
	}
	return out, cp.Card, nil
}
