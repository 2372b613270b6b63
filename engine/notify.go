package engine

import "strconv"

// Hooks every write command calls: keyspace notifications (Redis's
// notifyKeyspaceEvent) and modified-key signals (Redis's signalModifiedKey,
// which invalidates WATCH). A handler that changes key calls
//
//	c.keyChanged(key, notifyHash, "hset")
//
// after the change, once per event Redis emits, in Redis's order. Both hooks
// cost one atomic load when nobody listens.

// notifyClass is a set of keyspace event classes, the letters of
// notify-keyspace-events.
type notifyClass uint16

// Event classes, with Redis's NOTIFY_* values and letters.
const (
	notifyKeyspace notifyClass = 1 << iota // K: __keyspace@<db>__:<key> channels
	notifyKeyevent                         // E: __keyevent@<db>__:<event> channels
	notifyGeneric                          // g: DEL, EXPIRE, RENAME...
	notifyString                           // $
	notifyList                             // l
	notifySet                              // s
	notifyHash                             // h
	notifyZSet                             // z
	notifyExpired                          // x
	notifyEvicted                          // e
	notifyStream                           // t
	notifyKeyMiss                          // m: read of a missing key
	notifyLoaded                           // module key loaded (never emitted)
	notifyModule                           // d
	notifyNew                              // n: a new key was added

	// notifyAll is the letter A: every class but m and n.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// errNotifyClass is CONFIG SET's reason for a letter that names no class.
const errNotifyClass = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

var notifyLetters = []struct {
	c     byte
	class notifyClass
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZSet}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule},
}

// parseNotifyClasses turns a notify-keyspace-events string into classes, as
// Redis's keyspaceEventsStringToFlags; ok is false for an unknown letter.
func parseNotifyClasses(s string) (notifyClass, bool) {
	var f notifyClass
next:
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= notifyAll
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 'm':
			f |= notifyKeyMiss
		case 'n':
			f |= notifyNew
		default:
			for _, l := range notifyLetters {
				if l.c == s[i] {
					f |= l.class
					continue next
				}
			}
			return 0, false
		}
	}
	return f, true
}

// String renders classes as CONFIG GET shows them (Redis's
// keyspaceEventsFlagsToString, which prints n only after single letters:
// with A it is dropped).
func (f notifyClass) String() string {
	var b []byte
	if f&notifyAll == notifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if f&l.class != 0 {
				b = append(b, l.c)
			}
		}
		if f&notifyNew != 0 {
			b = append(b, 'n')
		}
	}
	if f&notifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&notifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&notifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// notify publishes a keyspace event about key in the command's database.
func (c *Ctx) notify(class notifyClass, event string, key []byte) {
	c.notifyDB(class, event, key, c.db)
}

// notifyDB publishes event about key in database db on the keyspace and
// keyevent channels that notify-keyspace-events enables.
func (c *Ctx) notifyDB(class notifyClass, event string, key []byte, db int) {
	c.e.notifyDB(c.s, class, event, key, db)
}

// notifyDB publishes an event; self is the session whose command caused it
// (nil for the expire cycle and eviction).
func (e *Engine) notifyDB(self *Session, class notifyClass, event string, key []byte, db int) {
	f := e.conf().notify
	if f&class == 0 || f&(notifyKeyspace|notifyKeyevent) == 0 {
		return
	}
	dbs := strconv.Itoa(db)
	if f&notifyKeyspace != 0 {
		ch := make([]byte, 0, 16+len(dbs)+len(key))
		ch = append(append(append(append(ch, "__keyspace@"...), dbs...), "__:"...), key...)
		e.publish(self, subChannel, ch, unsafeBytes(event), true)
	}
	if f&notifyKeyevent != 0 {
		ch := make([]byte, 0, 16+len(dbs)+len(event))
		ch = append(append(append(append(ch, "__keyevent@"...), dbs...), "__:"...), event...)
		e.publish(self, subChannel, ch, key, false)
	}
}

// signalModified records that key changed in the command's database, so
// transactions WATCHing it fail.
func (c *Ctx) signalModified(key []byte) { c.signalModifiedDB(key, c.db) }

// signalModifiedDB is signalModified for database db.
func (c *Ctx) signalModifiedDB(key []byte, db int) { c.e.touchWatched(key, db) }

// keyChanged is what most writes do after changing key: signal WATCHers and
// publish the event.
func (c *Ctx) keyChanged(key []byte, class notifyClass, event string) {
	c.signalModified(key)
	c.notify(class, event, key)
}
