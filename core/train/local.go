package train

import (
	"errors"
	"slices"
	"sync"

	"github.com/gocpc/cpc/core/dist"
)

// Replicas in one process: the trainers of a dist.Local group, one
// goroutine each. Every operation of a group is collective, so each call
// below runs on every replica at once. They share the process's threads:
// give each its share with asm.SetWidth.

// StartLocal starts the n replicas of one dist.Local group side by side:
// start(g) must return replica g.Rank()'s trainer (NewReplica or
// ResumeReplica with g).
func StartLocal(n int, start func(g dist.Group) (*Trainer, error)) ([]*Trainer, error) {
	groups := dist.Local(n)
	trs := make([]*Trainer, n)
	err := OnEach(n, func(r int) (err error) {
		trs[r], err = start(groups[r])
		return err
	})
	if err != nil {
		return nil, err
	}
	return trs, nil
}

// OnEach runs f(r) for every r in [0, n), each on a goroutine of its own,
// and returns their errors joined, each message once (replicas agree on
// errors, so most come from every replica alike).
func OnEach(n int, f func(r int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Go(func() { errs[r] = f(r) })
	}
	wg.Wait()
	var distinct []error
	for _, err := range errs {
		if err != nil && !slices.ContainsFunc(distinct, func(e error) bool { return e.Error() == err.Error() }) {
			distinct = append(distinct, err)
		}
	}
	if len(distinct) == 1 {
		return distinct[0]
	}
	return errors.Join(distinct...)
}
