package jobs

import (
	"context"
	"database/sql"
	"errors"
	"io"
)

// outputChunk is how much of a job's output one row holds: the output is
// written and read a chunk at a time, never whole in memory.
const outputChunk = 256 << 10

// OutputWriter writes the output file of the job whose Work made it.
type OutputWriter struct {
	ctx context.Context
	r   *run
	buf []byte
	seq int
}

// NewOutput starts the job's output afresh (an earlier attempt's is
// deleted, so a job that runs again writes it whole again). Close it to
// write the last chunk.
func NewOutput(ctx context.Context) (*OutputWriter, error) {
	r, err := runOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.q.db.ExecContext(ctx, r.q.rebind(`DELETE FROM job_output WHERE job_id = ?`), r.id); err != nil {
		return nil, err
	}
	return &OutputWriter{ctx: ctx, r: r, buf: make([]byte, 0, outputChunk)}, nil
}

func (w *OutputWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), outputChunk-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == outputChunk {
			if err := w.flush(); err != nil {
				return n - len(p) - k, err
			}
		}
	}
	return n, nil
}

func (w *OutputWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.r.q.db.ExecContext(w.ctx, w.r.q.rebind(`INSERT INTO job_output (job_id, seq, data) VALUES (?, ?, ?)`), w.r.id, w.seq, w.buf)
	if err != nil {
		return err
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// Close writes what is left.
func (w *OutputWriter) Close() error { return w.flush() }

// HasOutput reports whether job id has an output.
func (q *Queue) HasOutput(ctx context.Context, id int64) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, q.rebind(`SELECT count(*) FROM job_output WHERE job_id = ? AND seq = 0`), id).Scan(&n)
	return n > 0, err
}

// WriteOutput copies job id's output to w, a chunk at a time.
func (q *Queue) WriteOutput(ctx context.Context, id int64, w io.Writer) error {
	for seq := 0; ; seq++ {
		var data []byte
		err := q.db.QueryRowContext(ctx, q.rebind(`SELECT data FROM job_output WHERE job_id = ? AND seq = ?`), id, seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
}

// DeleteOutputs deletes the outputs of the jobs of kind other than keep:
// a kind whose pages offer only the last output keeps only that.
func (q *Queue) DeleteOutputs(ctx context.Context, kind string, keep int64) error {
	_, err := q.db.ExecContext(ctx, q.rebind(`DELETE FROM job_output WHERE job_id <> ? AND job_id IN (SELECT id FROM river_job WHERE kind = ?)`), keep, kind)
	return err
}
