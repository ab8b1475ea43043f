package web

import (
	"context"
	"sync"
)

// lockGroupSave serializes the saves of group id: a save reads the
// group, compares, then writes, and two saves interleaving between the
// read and the write would both pass the comparison (Agora offers no
// conditional update). Saves in this process take turns on groupLocks
// first, so only one per group waits on (and holds a connection for) the
// database's lock, which serializes them across replicas.
func (s *Server) lockGroupSave(ctx context.Context, id string) (func(), error) {
	unlock, err := s.saving.lock(ctx, id)
	if err != nil {
		return nil, err
	}
	unlockDB, err := s.st.LockGroup(ctx, id)
	if err != nil {
		unlock()
		return nil, err
	}
	return func() { unlockDB(); unlock() }, nil
}

// groupLocks serializes the saves of one group in this process.
type groupLocks struct {
	mu    sync.Mutex
	locks map[string]*groupLock
}

type groupLock struct {
	held  chan struct{} // a token: full while someone holds the lock
	users int
}

// lock waits for group id; the returned func unlocks it.
func (gl *groupLocks) lock(ctx context.Context, id string) (func(), error) {
	gl.mu.Lock()
	if gl.locks == nil {
		gl.locks = map[string]*groupLock{}
	}
	l := gl.locks[id]
	if l == nil {
		l = &groupLock{held: make(chan struct{}, 1)}
		gl.locks[id] = l
	}
	l.users++
	gl.mu.Unlock()
	release := func() {
		gl.mu.Lock()
		if l.users--; l.users == 0 {
			delete(gl.locks, id)
		}
		gl.mu.Unlock()
	}
	select {
	case l.held <- struct{}{}:
		return func() { <-l.held; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
