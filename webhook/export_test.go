package webhook

// Replica gives the external tests replica, the in-process store's view
// with an owner of its own.
func (d *MemoryDeduplicator) Replica() Deduplicator { return d.replica() }
