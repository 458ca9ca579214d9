package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
)

// This file tells the CPU the bot spent in a benchmark apart from what its
// harness (the fake Bot API and the residents driving it) spent in the same
// process. The harness's goroutines run under the pprof label
// side=harness (goroutines inherit their creator's labels, so labelling
// the goroutine that creates the fake server labels its accept loop and
// every connection it serves); a CPU profile taken over the timed part then
// tells, per sample, whose it was.

// harnessCtx carries the label of the harness's goroutines.
var harnessCtx = pprof.WithLabels(context.Background(), pprof.Labels("side", "harness"))

// cpuSplit is a CPU profile taken while a benchmark runs.
type cpuSplit struct {
	buf bytes.Buffer
	on  bool
}

// startCPUSplit starts profiling (at 100 Hz: 20,000 taps give about a
// thousand samples, the share to a percent or two). It profiles nothing
// when a profile is already running (go test -cpuprofile).
func startCPUSplit() *cpuSplit {
	s := &cpuSplit{}
	s.on = pprof.StartCPUProfile(&s.buf) == nil
	return s
}

// botShare stops the profile and returns the share of the CPU samples that
// were the bot's: samples of unlabelled goroutines, plus, of the samples
// of the runtime alone (background GC workers, sweeper, scheduler, system
// threads: what neither side runs itself but both cause), the same share
// as the bot has of the rest.
func (s *cpuSplit) botShare() (float64, error) {
	if !s.on {
		return 0, errors.New("no profile")
	}
	pprof.StopCPUProfile()
	if path := os.Getenv("KBBOT_BENCH_CPUPROFILE"); path != "" {
		// go tool pprof -tagignore side=harness shows the bot's part.
		if err := os.WriteFile(path, s.buf.Bytes(), 0o644); err != nil {
			return 0, err
		}
	}
	bot, harness, shared, err := splitProfile(s.buf.Bytes())
	if err != nil {
		return 0, err
	}
	if bot+harness == 0 {
		return 0, errors.New("no samples")
	}
	own := float64(bot) / float64(bot+harness)
	return (float64(bot) + float64(shared)*own) / float64(bot+harness+shared), nil
}

// splitProfile counts the samples of a CPU profile (gzipped profile.proto)
// labelled side=harness, the unlabelled ones with a frame outside the
// runtime (the bot's), and the unlabelled ones of the runtime alone.
func splitProfile(data []byte) (bot, harness, shared int64, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0, 0, 0, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return 0, 0, 0, err
	}
	type sample struct {
		count  int64
		locs   []uint64
		labels [][2]int64 // key, value: indexes into the string table
	}
	var (
		samples []sample
		strs    []string
		locFns  = map[uint64][]uint64{} // location id -> function ids
		fnName  = map[uint64]int64{}    // function id -> string index
	)
	err = pbFields(raw, func(field int, v uint64, b []byte) error {
		switch field {
		case 2: // sample
			var s sample
			var values []int64
			err := pbFields(b, func(f int, v uint64, b []byte) error {
				switch f {
				case 1:
					if b != nil {
						return pbPacked(b, func(x uint64) { s.locs = append(s.locs, x) })
					}
					s.locs = append(s.locs, v)
				case 2:
					if b != nil {
						return pbPacked(b, func(x uint64) { values = append(values, int64(x)) })
					}
					values = append(values, int64(v))
				case 3:
					var k, str int64
					if err := pbFields(b, func(f int, v uint64, _ []byte) error {
						switch f {
						case 1:
							k = int64(v)
						case 2:
							str = int64(v)
						}
						return nil
					}); err != nil {
						return err
					}
					s.labels = append(s.labels, [2]int64{k, str})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(values) > 0 {
				s.count = values[0]
			}
			samples = append(samples, s)
		case 4: // location
			var id uint64
			var fns []uint64
			err := pbFields(b, func(f int, v uint64, b []byte) error {
				switch f {
				case 1:
					id = v
				case 4: // line
					return pbFields(b, func(f int, v uint64, _ []byte) error {
						if f == 1 {
							fns = append(fns, v)
						}
						return nil
					})
				}
				return nil
			})
			if err != nil {
				return err
			}
			locFns[id] = fns
		case 5: // function
			var id uint64
			var name int64
			if err := pbFields(b, func(f int, v uint64, _ []byte) error {
				switch f {
				case 1:
					id = v
				case 2:
					name = int64(v)
				}
				return nil
			}); err != nil {
				return err
			}
			fnName[id] = name
		case 6: // string_table
			strs = append(strs, string(b))
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(strs) {
			return ""
		}
		return strs[i]
	}
	for _, s := range samples {
		if slices.ContainsFunc(s.labels, func(l [2]int64) bool { return str(l[0]) == "side" && str(l[1]) == "harness" }) {
			harness += s.count
			continue
		}
		runtimeOnly := true
		for _, l := range s.locs {
			for _, fn := range locFns[l] {
				n := str(fnName[fn])
				if !strings.HasPrefix(n, "runtime.") && !strings.HasPrefix(n, "internal/runtime/") {
					runtimeOnly = false
				}
			}
		}
		if runtimeOnly {
			shared += s.count
		} else {
			bot += s.count
		}
	}
	return bot, harness, shared, nil
}

// pbFields calls fn with each field of the protobuf message b: its number
// and either its varint value (b nil) or its bytes.
func pbFields(b []byte, fn func(field int, v uint64, b []byte) error) error {
	for len(b) > 0 {
		key, n := pbVarint(b)
		if n == 0 {
			return errors.New("bad protobuf")
		}
		b = b[n:]
		field, wire := int(key>>3), key&7
		switch wire {
		case 0:
			v, n := pbVarint(b)
			if n == 0 {
				return errors.New("bad protobuf")
			}
			b = b[n:]
			if err := fn(field, v, nil); err != nil {
				return err
			}
		case 2:
			l, n := pbVarint(b)
			if n == 0 || uint64(len(b)-n) < l {
				return errors.New("bad protobuf")
			}
			if err := fn(field, 0, b[n:n+int(l)]); err != nil {
				return err
			}
			b = b[n+int(l):]
		case 1:
			b = b[min(8, len(b)):]
		case 5:
			b = b[min(4, len(b)):]
		default:
			return fmt.Errorf("protobuf wire type %d", wire)
		}
	}
	return nil
}

// pbPacked calls fn with each varint of a packed repeated field.
func pbPacked(b []byte, fn func(uint64)) error {
	for len(b) > 0 {
		v, n := pbVarint(b)
		if n == 0 {
			return errors.New("bad protobuf")
		}
		fn(v)
		b = b[n:]
	}
	return nil
}

// pbVarint decodes a varint; n is 0 if b holds none.
func pbVarint(b []byte) (v uint64, n int) {
	for i, c := range b {
		if i == 10 {
			return 0, 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
