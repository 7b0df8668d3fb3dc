package webhook

import (
	"bytes"
	"errors"
	"strings"

	"github.com/elementsgo/elements/internal/flex"
)

// callbackHead is what scanHead reads from a still unverified body without
// parsing it: which kind of callback it is and which instance it names.
type callbackHead struct {
	// async: the body has no top-level "message" but a "response": an
	// asynchronous-request callback ([AsyncResponse]).
	async bool
	// instanceID is message.instanceId (message.instance_id when that is
	// absent, null or 0) of a notification, the top-level instanceId of an
	// asynchronous-request callback; 0 when the scan found none.
	instanceID int64
}

// maxScanDepth bounds the nesting scanHead walks through: encoding/json's
// own limit, so the scan never gives up on a body the parse accepts.
const maxScanDepth = 10000

// scanHead reads the kind and the instance of a callback from body in one
// forward pass, without allocating and without decoding anything but the
// instance id: it stops at the first non-zero message.instanceId. It is
// lenient (it does not validate the JSON) and only a hint: the handler looks
// the signing keys up for the instance it returns and, once the signature
// verified, refuses the callback if the full parse names another instance
// (duplicate keys, keys in other letter cases or escaped, which
// encoding/json reads differently). So a tenant can never have its own
// signature vouch for another tenant's instance.
func scanHead(body []byte) callbackHead {
	s := jsonScanner{b: body}
	var head callbackHead
	var topID []byte
	hasMessage, hasResponse := false, false
	s.members(func(key []byte) (bool, bool) {
		switch string(key) {
		case "message":
			hasMessage = true
			id, found, ok := s.messageInstance()
			if found {
				head.instanceID = id
				return false, true // the first non-zero id: stop here
			}
			return ok, false
		case "instanceId":
			topID, _ = s.value()
		case "response":
			hasResponse = true
			s.value()
		default:
			s.value()
		}
		return s.err == nil, false
	})
	if !hasMessage && hasResponse {
		head.async = true
		head.instanceID = scanID(topID)
	}
	return head
}

// messageInstance walks the "message" object at s: the first non-zero
// instanceId ends the walk (found); otherwise, at the object's end, the
// last instance_id is the answer. ok is false if the object is malformed.
func (s *jsonScanner) messageInstance() (id int64, found, ok bool) {
	var alt []byte
	ok = s.members(func(key []byte) (bool, bool) {
		switch string(key) {
		case "instanceId":
			raw, _ := s.value()
			if id = scanID(raw); id != 0 {
				found = true
				return false, true
			}
		case "instance_id":
			alt, _ = s.value()
		default:
			s.value()
		}
		return s.err == nil, false
	})
	if found {
		return id, true, true
	}
	if id = scanID(alt); id != 0 {
		return id, true, ok
	}
	return 0, false, ok
}

// scanID decodes an id as ParseNotification does (a number or a string
// holding one); 0 for anything else.
func scanID(raw []byte) int64 {
	if len(raw) > 0 && len(raw) <= 18 { // the common case, without allocating
		var v int64
		for _, c := range raw {
			if c < '0' || c > '9' {
				goto general
			}
			v = v*10 + int64(c-'0')
		}
		return v
	}
general:
	var n flex.Int64
	if len(raw) == 0 || n.UnmarshalJSON(raw) != nil {
		return 0
	}
	return int64(n)
}

// errScan marks a body that is not the JSON scanHead expects.
var errScan = errors.New("not a JSON object")

// jsonScanner walks JSON text without decoding it.
type jsonScanner struct {
	b   []byte
	i   int
	err error
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c, after white space, if it comes next.
func (s *jsonScanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str consumes a string and returns its text between the quotes, escapes
// undecoded.
func (s *jsonScanner) str() ([]byte, bool) {
	if !s.next('"') {
		s.err = errScan
		return nil, false
	}
	start := s.i
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			s.err = errScan
			return nil, false
		}
		s.i += j + 1
		// The quote ends the string unless an odd number of backslashes
		// precede it.
		bs := 0
		for k := s.i - 2; k >= start && s.b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return s.b[start : s.i-1], true
		}
	}
}

// value consumes one value and returns its text.
func (s *jsonScanner) value() ([]byte, bool) {
	s.space()
	start := s.i
	if s.i >= len(s.b) {
		s.err = errScan
		return nil, false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return s.b[start:s.i], ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.str(); !ok {
					return nil, false
				}
				continue
			case '{', '[':
				if depth++; depth > maxScanDepth {
					s.err = errScan
					return nil, false
				}
			case '}', ']':
				if depth--; depth == 0 {
					s.i++
					return s.b[start:s.i], true
				}
			}
			s.i++
		}
		s.err = errScan
		return nil, false
	}
	for s.i < len(s.b) && !strings.ContainsRune(",}] \t\n\r", rune(s.b[s.i])) {
		s.i++
	}
	if s.i == start {
		s.err = errScan
		return nil, false
	}
	return s.b[start:s.i], true
}

// members walks the object at s, calling member after each key and its
// colon; member consumes the value and says whether to go on and whether
// to stop early (without reading the rest). members reports whether the
// object read so far is well formed.
func (s *jsonScanner) members(member func(key []byte) (more, stop bool)) bool {
	if !s.next('{') {
		s.err = errScan
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') {
			s.err = errScan
			return false
		}
		more, stop := member(key)
		switch {
		case stop:
			return true
		case !more:
			return false
		case s.next(','):
		default:
			return s.next('}')
		}
	}
}
