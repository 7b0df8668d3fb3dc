package elements

// SetMaxAnswer lowers c's cap on 2xx answers, so tests need not send
// MaxResponseBytes of data.
func SetMaxAnswer(c *Client, n int64) { c.maxAnswer = n }

// LimiterAccounts returns how many accounts l remembers.
func LimiterAccounts(l *MemoryLimiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accounts)
}
