package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"

	"groupdesk/web/store"
)

// authPollInterval is how often a replica reads the database's accounts
// stamp: a change made on another replica (or by groupdesk users) reaches
// this one's memory within it.
const authPollInterval = 500 * time.Millisecond

// maxCachedSessions bounds the memory of the session cache; past it the
// cache starts over.
const maxCachedSessions = 10_000

// authCache keeps signed-in sessions and their accounts in memory, so that
// a page costs no database read for who is asking. It is emptied whenever
// accounts change or a session is deleted: at once on the replica that
// made the change (store.OnAccountsChanged), and on the others when their
// poll sees the database's accounts stamp move. A session's values change
// without emptying anything: the cookie carries a sum of them, so a replica
// whose copy is older than the browser's cookie reads the database.
type authCache struct {
	mu sync.Mutex
	// gen moves on every clear: a database read that began before a change
	// is not kept after it.
	gen      uint64
	version  int64                     // the accounts stamp the copies are from
	sessions map[string]cachedSession  // by id hash
	accounts map[string]*store.Account // nil: no such account
}

// cachedSession is a session row as read or written by this replica.
type cachedSession struct {
	values            map[string]string // shared: copy before changing
	sum               string            // sessionSum of the stored data
	created, lastSeen time.Time
}

func newAuthCache() *authCache {
	return &authCache{sessions: map[string]cachedSession{}, accounts: map[string]*store.Account{}}
}

// generation is taken before a database read and handed to put*.
func (a *authCache) generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

func (a *authCache) session(idHash string) (cachedSession, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cs, ok := a.sessions[idHash]
	return cs, ok
}

func (a *authCache) putSession(gen uint64, idHash string, cs cachedSession) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen != a.gen {
		return
	}
	if len(a.sessions) >= maxCachedSessions {
		a.sessions = map[string]cachedSession{}
	}
	a.sessions[idHash] = cs
}

func (a *authCache) dropSession(idHash string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, idHash)
}

func (a *authCache) account(username string) (*store.Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, ok := a.accounts[username]
	return acc, ok
}

func (a *authCache) putAccount(gen uint64, username string, acc *store.Account) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen != a.gen {
		return
	}
	if len(a.accounts) >= maxCachedSessions {
		a.accounts = map[string]*store.Account{}
	}
	a.accounts[username] = acc
}

// clear forgets everything.
func (a *authCache) clear() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	a.sessions = map[string]cachedSession{}
	a.accounts = map[string]*store.Account{}
}

// sync clears the cache if the database's accounts stamp has moved since
// the last look.
func (a *authCache) sync(ctx context.Context, st *store.Store) error {
	v, err := st.AccountsVersion(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	moved := v != a.version
	a.version = v
	a.mu.Unlock()
	if moved {
		a.clear()
	}
	return nil
}

// sessionSum identifies a session's stored values; the cookie carries it.
func sessionSum(data string) string {
	sum := sha256.Sum256([]byte(data))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// accountLookup reads an account through the cache.
func (s *Server) lookupAccount(ctx context.Context, username string) (*store.Account, error) {
	if acc, ok := s.auth.account(username); ok {
		return acc, nil
	}
	gen := s.auth.generation()
	acc, err := s.st.Account(ctx, username)
	if err != nil {
		return nil, err
	}
	s.auth.putAccount(gen, username, acc)
	return acc, nil
}

// pollAccounts keeps the cache in step with changes other processes make.
// A failed read empties the cache, so that nothing is served from memory
// that the database could not confirm.
func (s *Server) pollAccounts() {
	tick := time.NewTicker(authPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stopCleanup:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), authPollInterval)
		err := s.auth.sync(ctx, s.st)
		cancel()
		if err != nil {
			s.auth.clear()
			s.log.Warn("accounts stamp: read failed; sessions and accounts come from the database meanwhile", "err", err)
		}
	}
}
