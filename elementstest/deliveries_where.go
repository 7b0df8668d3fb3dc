package elementstest

import (
	"fmt"
	"slices"
	"strings"
)

// channelWebhook is the one subscription channel the fake delivers on.
const channelWebhook = "webhook"

// deliveryFilter is what a where clause on deliveries selects; an empty
// field selects any.
type deliveryFilter struct {
	channel string
	status  string
	url     string
	hasURL  bool // config.url was given ('' is a URL too)
}

// The values the platform's schemas allow for a subscription's channel and
// a delivery's status.
var (
	whereChannels = []string{"webhook", "email", "sms", "push"}
	whereStatuses = []string{DeliveryCreated, DeliveryDelivered, "notified", DeliveryRetry, DeliveryQueued}
)

// parseDeliveriesWhere reads a CEQL where clause on deliveries, as the
// platform makers' tests send it: conditions joined by "and" (in any case),
// each field='text' for channel, status and config.url, each field at most
// once. Inside the quotes any character may appear; a quote is doubled
// (”), as SQL does (the platform does not document CEQL's escape; the
// fake reads ”). Anything else is an error, for a 400.
func parseDeliveriesWhere(where string) (deliveryFilter, error) {
	var f deliveryFilter
	rest := strings.TrimLeft(where, " \t")
	if strings.TrimSpace(rest) == "" {
		return f, nil
	}
	seen := map[string]bool{}
	for {
		n := strings.IndexFunc(rest, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_')
		})
		if n < 0 {
			n = len(rest)
		}
		field := rest[:n]
		rest = strings.TrimLeft(rest[n:], " \t")
		switch {
		case field == "":
			return f, badRequest(fmt.Sprintf("where: expected a field name at %q", rest))
		case !strings.HasPrefix(rest, "="):
			return f, badRequest(fmt.Sprintf("where: %s: expected = and a quoted value", field))
		}
		value, after, err := ceqlString(strings.TrimLeft(rest[1:], " \t"))
		if err != nil {
			return f, badRequest(fmt.Sprintf("where: %s: %v", field, err))
		}
		if seen[field] {
			return f, badRequest(fmt.Sprintf("where: %s is given twice", field))
		}
		seen[field] = true
		switch field {
		case "channel":
			if !slices.Contains(whereChannels, value) {
				return f, badRequest(fmt.Sprintf("where: channel %q is not one of %s", value, strings.Join(whereChannels, ", ")))
			}
			f.channel = value
		case "status":
			if !slices.Contains(whereStatuses, value) {
				return f, badRequest(fmt.Sprintf("where: status %q is not one of %s", value, strings.Join(whereStatuses, ", ")))
			}
			f.status = value
		case "config.url":
			f.url, f.hasURL = value, true
		default:
			return f, badRequest(fmt.Sprintf("where: unknown field %q (channel, status and config.url are known)", field))
		}
		rest = strings.TrimLeft(after, " \t")
		if rest == "" {
			return f, nil
		}
		if len(rest) < 4 || !strings.EqualFold(rest[:3], "and") || !strings.ContainsRune(" \t", rune(rest[3])) ||
			strings.TrimLeft(rest[4:], " \t") == "" {
			return f, badRequest(fmt.Sprintf("where: expected \"and\" and a condition at %q", rest))
		}
		rest = strings.TrimLeft(rest[4:], " \t")
	}
}

// ceqlString reads a quoted string at the start of s, a quote inside it
// doubled, and returns its value and what follows it.
func ceqlString(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("the value must be a quoted string ('...')")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), s[i+1:], nil
	}
	return "", "", fmt.Errorf("the quoted value has no closing quote")
}

// match reports whether the filter selects d; s.mu must be held.
func (f *deliveryFilter) match(d *delivery) bool {
	return (f.channel == "" || f.channel == channelWebhook) &&
		(f.status == "" || f.status == d.Status) &&
		(!f.hasURL || f.url == d.sub.url)
}
