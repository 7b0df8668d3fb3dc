package elements

// SetMaxAnswer lowers c's cap on 2xx answers, so tests need not send
// MaxResponseBytes of data.
func SetMaxAnswer(c *Client, n int64) { c.maxAnswer = n }
