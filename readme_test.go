// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

package softmax

import (
	"go/format"
	"os"
	"strings"
	"testing"
)

// TestREADMEGofmt checks that every Go block of the README is a program
// that gofmt leaves as it is, so that a reader who copies one gets code
// that reads like Go.
func TestREADMEGofmt(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```go\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block")
	}
	for i, b := range blocks {
		src, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("README.md: Go block %d is not closed", i)
		}
		got, err := format.Source([]byte(src))
		if err != nil {
			t.Errorf("README.md: Go block %d does not parse: %v", i, err)
			continue
		}
		if string(got) != src {
			t.Errorf("README.md: Go block %d is not gofmt-ed; gofmt gives\n%s", i, got)
		}
	}
}
