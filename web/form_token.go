package web

import (
	"context"
	"crypto/rand"
	"sync"
	"time"
)

// formTokenField carries the create form's one-time token.
const formTokenField = "form_token"

// formTokenTTL is how long a sent token is remembered.
const formTokenTTL = time.Hour

// formTokens makes a create form that is sent twice (a double click, a
// reload of the POST, a second tab) create one group: the first send of a
// token does the work, later sends wait for it and go to its result. They
// are kept in this process: a double send reaches the same replica over
// the browser's connection, and nothing here must outlive a restart.
type formTokens struct {
	mu   sync.Mutex
	sent map[string]*formSend
}

// formSend is the first send of a token; done closes when it has a result.
type formSend struct {
	at     time.Time
	done   chan struct{}
	result string // the created group's id; "" if it created none
}

func newFormToken() string { return rand.Text() }

// claim returns the send that owns token and whether it is this one. A
// send that created nothing is forgotten (see finish), so its token may be
// sent again.
func (ft *formTokens) claim(token string, now time.Time) (*formSend, bool) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.sent == nil {
		ft.sent = map[string]*formSend{}
	}
	for t, s := range ft.sent {
		if now.Sub(s.at) > formTokenTTL {
			delete(ft.sent, t)
		}
	}
	if s, ok := ft.sent[token]; ok {
		return s, false
	}
	s := &formSend{at: now, done: make(chan struct{})}
	ft.sent[token] = s
	return s, true
}

// finish records the first send's result and releases the sends waiting.
func (ft *formTokens) finish(token string, s *formSend, result string) {
	ft.mu.Lock()
	s.result = result
	if result == "" {
		delete(ft.sent, token)
	}
	ft.mu.Unlock()
	close(s.done)
}

// wait returns the first send's result once it has one.
func (s *formSend) wait(ctx context.Context) (string, error) {
	select {
	case <-s.done:
		return s.result, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
