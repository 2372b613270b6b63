package engine

// publish delivers msg to the subscribers of channel ch and of patterns
// matching it, returning how many received it.
func (e *Engine) publish(ch, msg []byte) int { return 0 }
