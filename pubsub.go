package cachee

import (
	"context"
	"errors"
	"sync"

	"github.com/cachee/cachee/engine"
)

// Message is a pub/sub message received by a Subscription.
type Message struct {
	Channel string // where it was published
	Pattern string // the pattern that matched, "" for a channel subscription
	Payload string
}

// ErrSlowSubscriber ends a Subscription whose reader fell so far behind that
// its pending messages passed client-output-buffer-limit's pubsub class, the
// limit that protects publishers and memory from a subscriber that does not
// keep up (Redis disconnects such a client the same way).
var ErrSlowSubscriber = errors.New("cachee: subscription closed: pending messages passed the pubsub output buffer limit")

// Subscription receives the messages published on its channels and patterns,
// from in-process publishers and socket clients alike. Read them from
// Channel; Close ends it.
type Subscription struct {
	db   *DB
	mu   sync.Mutex // serialises commands on the session
	c    *conn
	ch   chan *Message
	wake chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

// subscriptionBuffer is how many messages Channel holds before the
// subscription's engine-side queue (bounded by the output buffer limit)
// starts to fill.
const subscriptionBuffer = 100

// Subscribe starts a subscription to channels (it may have none yet).
func (db *DB) Subscribe(ctx context.Context, channels ...string) (*Subscription, error) {
	return db.newSubscription(ctx, "SUBSCRIBE", channels)
}

// PSubscribe starts a subscription to glob-style patterns.
func (db *DB) PSubscribe(ctx context.Context, patterns ...string) (*Subscription, error) {
	return db.newSubscription(ctx, "PSUBSCRIBE", patterns)
}

func (db *DB) newSubscription(ctx context.Context, cmd string, names []string) (*Subscription, error) {
	sub := &Subscription{db: db, ch: make(chan *Message, subscriptionBuffer),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	sub.c = &conn{s: db.e.NewSession(engine.ConnInfo{Kill: func() { sub.end(ErrSlowSubscriber) }}, false),
		w: engine.NewCapture(3)}
	sub.c.s.Trust()
	sub.c.s.EnablePush(func() {
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}, false)
	go sub.forward()
	if len(names) > 0 {
		if err := sub.do(ctx, cmd, names); err != nil {
			sub.Close()
			return nil, err
		}
	}
	return sub, nil
}

// forward moves messages from the session's queue to Channel until the
// subscription ends, then closes Channel.
func (sub *Subscription) forward() {
	defer close(sub.ch)
	var msgs []engine.Message
	for {
		select {
		case <-sub.done:
			return
		case <-sub.wake:
		}
		msgs = sub.c.s.TakeMessages(msgs)
		for i := range msgs {
			m := &Message{Channel: msgs[i].Channel, Pattern: msgs[i].Pattern, Payload: msgs[i].Payload}
			select {
			case sub.ch <- m:
			case <-sub.done:
				return
			}
		}
		clear(msgs)
	}
}

// Channel delivers the messages in publication order; it is closed when the
// subscription ends (see Err).
func (sub *Subscription) Channel() <-chan *Message { return sub.ch }

// Subscribe adds channels.
func (sub *Subscription) Subscribe(ctx context.Context, channels ...string) error {
	return sub.do(ctx, "SUBSCRIBE", channels)
}

// Unsubscribe removes channels, or every channel when none are named.
func (sub *Subscription) Unsubscribe(ctx context.Context, channels ...string) error {
	return sub.do(ctx, "UNSUBSCRIBE", channels)
}

// PSubscribe adds patterns.
func (sub *Subscription) PSubscribe(ctx context.Context, patterns ...string) error {
	return sub.do(ctx, "PSUBSCRIBE", patterns)
}

// PUnsubscribe removes patterns, or every pattern when none are named.
func (sub *Subscription) PUnsubscribe(ctx context.Context, patterns ...string) error {
	return sub.do(ctx, "PUNSUBSCRIBE", patterns)
}

func (sub *Subscription) do(ctx context.Context, cmd string, names []string) error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	select {
	case <-sub.done:
		return sub.Err()
	default:
	}
	args := make([]any, 0, 1+len(names))
	args = append(args, cmd)
	for _, n := range names {
		args = append(args, n)
	}
	_, err := sub.c.do(ctx, sub.db.e, args)
	return err
}

// Err is why the subscription ended: nil after Close, ErrSlowSubscriber
// when it could not keep up.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

// Close ends the subscription and closes Channel.
func (sub *Subscription) Close() error {
	sub.end(nil)
	return nil
}

func (sub *Subscription) end(err error) {
	sub.once.Do(func() {
		sub.mu.Lock()
		sub.err = err
		sub.mu.Unlock()
		close(sub.done)
		if err == nil {
			sub.mu.Lock()
			sub.c.s.Close()
			sub.mu.Unlock()
		} else {
			// Called by the engine while it delivers: unsubscribe later.
			go func() {
				sub.mu.Lock()
				sub.c.s.Close()
				sub.mu.Unlock()
			}()
		}
	})
}

// Publish posts message on channel and returns how many subscribers (socket
// and in-process) received it.
func (db *DB) Publish(ctx context.Context, channel, message string) (int64, error) {
	c := db.get()
	n, err := db.e.Publish(c.s, channel, message)
	db.put(c)
	if err != "" {
		return 0, redisError(err)
	}
	return int64(n), nil
}
