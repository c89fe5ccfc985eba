package service

import (
	"context"

	"github.com/docketcard/docketcard"
)

// AddDocument stores a document file (encrypted) and its record.
func (s *Service) AddDocument(ctx context.Context, a docketcard.Actor, personID string, in docketcard.DocumentInput, data []byte) (*docketcard.Document, error) {
	if err := a.Authorize(docketcard.PermDocumentWrite, ""); err != nil {
		return nil, err
	}
	d, err := in.Validate(s.now())
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "The document file is empty.")
	}
	if len(data) > docketcard.MaxDocumentBytes {
		return nil, docketcard.Errorf(docketcard.ETOOLARGE, "The document is larger than %d MB.", docketcard.MaxDocumentBytes>>20)
	}
	ct, err := docketcard.SniffDocument(data)
	if err != nil {
		return nil, err
	}
	var site string
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		if site, err = personSite(ctx, tx, personID); err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermDocumentWrite, site); err != nil {
			return err
		}
		if d.CaseID != "" {
			c, err := tx.GetCase(ctx, d.CaseID)
			if err != nil {
				return err
			}
			if c.PersonID != personID {
				return docketcard.Errorf(docketcard.EINVALID, "Case %s belongs to another person.", d.CaseID)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	ref, err := s.blobs.Put(ctx, ct, data)
	if err != nil {
		return nil, err
	}
	d.ID, d.PersonID, d.Blob, d.CreatedAt = s.newID(), personID, ref, s.now()
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.CreateBlob(ctx, &ref, s.now()); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCreate, "document", d.ID, site, "person "+personID+" type "+string(d.Type)))
	})
	if err != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), ref.ID)
		return nil, err
	}
	return d, nil
}

// ListDocuments lists a person's documents. Audited.
func (s *Service) ListDocuments(ctx context.Context, a docketcard.Actor, personID string) ([]*docketcard.Document, error) {
	if err := a.Authorize(docketcard.PermDocumentRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.Document
	var ae *docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		site, err := personSite(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermDocumentRead, site); err != nil {
			return err
		}
		if out, err = tx.ListDocuments(ctx, personID); err != nil {
			return err
		}
		ae = s.audit(a, docketcard.ActionList, "document", personID, site, "documents of person")
		return nil
	})
	if err == nil {
		err = s.auditRead(ctx, ae)
	}
	return out, err
}

func (s *Service) readDocument(ctx context.Context, a docketcard.Actor, id, what string) (*docketcard.Document, error) {
	if err := a.Authorize(docketcard.PermDocumentRead, ""); err != nil {
		return nil, err
	}
	var d *docketcard.Document
	var ae *docketcard.AuditEntry
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if d, err = tx.GetDocument(ctx, id); err != nil {
			return err
		}
		site, err := personSite(ctx, tx, d.PersonID)
		if err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermDocumentRead, site); err != nil {
			return err
		}
		ae = s.audit(a, docketcard.ActionRead, "document", id, site, what)
		return nil
	})
	if err == nil {
		err = s.auditRead(ctx, ae)
	}
	return d, err
}

// GetDocument returns a document's record. Audited.
func (s *Service) GetDocument(ctx context.Context, a docketcard.Actor, id string) (*docketcard.Document, error) {
	return s.readDocument(ctx, a, id, "metadata")
}

// GetDocumentContent returns a document's decrypted file, after checking
// its SHA-256. Audited.
func (s *Service) GetDocumentContent(ctx context.Context, a docketcard.Actor, id string) (*docketcard.Document, []byte, error) {
	d, err := s.readDocument(ctx, a, id, "content")
	if err != nil {
		return nil, nil, err
	}
	b, err := s.blobs.Get(ctx, d.Blob)
	return d, b, err
}
