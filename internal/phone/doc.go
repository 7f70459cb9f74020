// Package phone normalizes phone numbers, e-mail addresses and personal
// names the way people in China actually type them, and masks them for
// display.
//
// Parsing is comparatively expensive (libphonenumber validation costs about
// 20 µs), so callers are expected to call Parse once when a value is written
// and store the resulting Number; masking and placeholder checks work from
// the stored Number and are cheap.
package phone
