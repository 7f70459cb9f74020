package app

import (
	"errors"
	"fmt"
	"strings"

	"lifeline/internal/errs"
)

// describeCLI turns a domain error into one readable line for the terminal.
func describeCLI(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	if len(e.Fields) == 0 {
		return errors.New(e.Message)
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return fmt.Errorf("%s: %s", e.Message, strings.Join(parts, "; "))
}
