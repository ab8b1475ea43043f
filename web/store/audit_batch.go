package store

import (
	"context"
	"time"
)

// InsertAuditRecords is InsertAuditRecord for an action on several users:
// one record each, all written in one transaction before Agora is called,
// or none. The ids are in the order of es.
func (st *Store) InsertAuditRecords(ctx context.Context, es []AuditEntry) ([]int64, error) {
	tx, err := st.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	ids := make([]int64, len(es))
	for i, e := range es {
		if ids[i], err = insertAuditRecord(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	return ids, tx.commit()
}

// AuditOutcome is the outcome of one record written by InsertAuditRecords:
// Err nil is a success.
type AuditOutcome struct {
	RecordID int64
	Err      error
}

// InsertAuditOutcomes writes the outcomes of several records in one
// transaction.
func (st *Store) InsertAuditOutcomes(ctx context.Context, at time.Time, outcomes []AuditOutcome) error {
	tx, err := st.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	for _, o := range outcomes {
		if err := insertAuditOutcome(ctx, tx, o.RecordID, at, "", o.Err); err != nil {
			return err
		}
	}
	return tx.commit()
}
