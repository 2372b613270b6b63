package engine

// touchWatched marks the transactions WATCHing key in database db dirty.
func (e *Engine) touchWatched(key []byte, db int) {}
