// Package errs defines the domain error kinds of Lifeline. Domain packages return them;
// the HTTP layer maps each kind to a status code in exactly one place.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error.
type Kind string

// The error kinds. Each maps to one HTTP status in the server package.
const (
	BadRequest   Kind = "bad_request" // malformed syntax, e.g. JSON that does not parse
	NotFound     Kind = "not_found"
	Invalid      Kind = "invalid"
	Conflict     Kind = "conflict"
	Gone         Kind = "gone" // existed, but no longer available (e.g. an expired export)
	Forbidden    Kind = "forbidden"
	Unauthorized Kind = "unauthorized"
	TooLarge     Kind = "too_large"
	RateLimited  Kind = "rate_limited"
	Internal     Kind = "internal"
)

// FieldError names one invalid input field and why it is invalid.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error with a kind, a message safe to show to users, and optional field errors.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error // the underlying cause, never shown to users
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// E builds an error of a kind with a formatted, user-safe message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a kind and user-safe message to an underlying error.
func Wrap(kind Kind, err error, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// KindOf returns the kind of err, or Internal when err carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is a domain error of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Validation collects field errors; its Err returns nil when nothing was added.
type Validation struct {
	fields []FieldError
}

// Add records that field is invalid, with a message.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{field, message})
}

// Check records message for field when ok is false.
func (v *Validation) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Err returns an Invalid error listing every field, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "validation failed", Fields: v.fields}
}
