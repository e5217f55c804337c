// Copyright 2026 The softmax authors. Use of this source code is governed
// by the MIT licence in the LICENSE file.

//go:build unix

package softmax

import (
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// settle is how long the CPU-time tests wait before they measure: the
// kernel adds a thread's running time to the process's when it next
// stops or at a clock tick, so the time a goroutine used just before the
// measurement begins can show up inside it.
const settle = 20 * time.Millisecond

// cpuTime returns the CPU time, user and system, that the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTrainIdleInProgress checks that Train's helpers do not spin while a
// Progress hook runs: over a 100 ms sleep in the hook, after epochs whose
// steps are shared, the process uses under 5 ms of CPU time. The garbage
// collector is off, and has finished its work before training starts,
// so that its time is not counted as the helpers'; so is the measuring.
func TestTrainIdleInProgress(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(f func() int) { numCPU = f }(numCPU)
	numCPU = func() int { return 4 }
	X, y := randData(rand.New(rand.NewPCG(51, 51)), 256, 300, 10)
	var used []time.Duration
	_, err := New(10, 300).Train(X, y, Config{LearningRate: 0.01, ConstantRate: true, Epochs: 3, BatchSize: 32, L2: 1e-3, Progress: func(int, float64) error {
		time.Sleep(settle)
		c0 := cpuTime(t)
		time.Sleep(100 * time.Millisecond)
		used = append(used, cpuTime(t)-c0)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for epoch, u := range used {
		if u > 5*time.Millisecond {
			t.Errorf("after epoch %d: %v of CPU time during a 100 ms sleep in Progress, want under 5 ms", epoch+1, u)
		}
	}
	t.Logf("CPU time during each 100 ms sleep: %v", used)
}

// TestTeamParks checks that the helpers of a team park between loops:
// over a 100 ms sleep after a loop, the process uses under 5 ms of CPU
// time.
func TestTeamParks(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(f func() int) { numCPU = f }(numCPU)
	numCPU = func() int { return 4 }
	X, _ := randData(rand.New(rand.NewPCG(52, 52)), 100, 3, 4)
	r := &rows{X: X, th: New(4, 3), Z: make([]float64, 400)}
	tm := newTeam(4, 1)
	defer tm.stop()
	for range 3 {
		tm.loop(logitsPass, r, 100, 1)
		time.Sleep(settle)
		c0 := cpuTime(t)
		time.Sleep(100 * time.Millisecond)
		if used := cpuTime(t) - c0; used > 5*time.Millisecond {
			t.Errorf("%v of CPU time during a 100 ms sleep between loops, want under 5 ms: the helpers spin on", used)
		}
	}
}
