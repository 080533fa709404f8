package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
)

// TestBadInput checks that every kind of bad input ends in one clear line
// and the right exit code, never a panic.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.wav", audio.EncodeWAV16(make([]float32, 4000), 16000))
	short := write("short.wav", audio.EncodeWAV16(make([]float32, 100), 16000))
	wrongRate := write("rate.wav", audio.EncodeWAV16(make([]float32, 4000), 44100))
	corrupt := write("corrupt.wav", []byte("RIFF\x10\x00\x00\x00WAVEfmt junk"))
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	truncated := write("model.safetensors", []byte("\x40\x00\x00\x00\x00\x00\x00\x00{\"a\""))

	// A real (untrained) checkpoint to embed with.
	cfg, _ := cpc.Preset("small")
	m, _ := cpc.New[float32](cfg, nil)
	model := filepath.Join(dir, "small.safetensors")
	if err := m.Save(model, nil); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"train", "--config", "huge"}, 2, "unknown config"},
		{[]string{"train", "--negatives", "-3"}, 2, "--negatives"},
		{[]string{"train", "--sampler", "odd"}, 2, "--sampler"},
		{[]string{"train", "--sampler", "speakers:0"}, 2, "--sampler"},
		{[]string{"train", "--sampler", "speakers:9", "--batch", "8"}, 2, "9 speakers per batch do not fit in a batch of 8"},
		{[]string{"train", "--augment-past", "room=0.3"}, 2, "--augment-past: augmentation \"room=0.3\""},
		{[]string{"train", "--augment-past", "rt60=0.6:0.2"}, 2, `rt60: "0.6:0.2": want a number or lo:hi with lo ≤ hi`},
		{[]string{"train", "--augment-past", "rt60=3"}, 2, "RT60 3 s: want 0 < LO ≤ HI ≤ 2"},
		{[]string{"train", "--sampler", "speakers:13", "--batch", "16", "--steps", "0", "--out", filepath.Join(dir, "s")}, 1, "only 12 speakers"},
		{[]string{"train", "--sampler", "same-speaker@100"}, 2, "the last sampler runs to the end"},
		{[]string{"train", "--sampler", "same-speaker,uniform"}, 2, `"same-speaker" needs @STEP`},
		{[]string{"train", "--sampler", "same-speaker@0,uniform"}, 2, `"0" is not a step number`},
		{[]string{"train", "--sampler", "same-speaker@9,speakers:2@5,uniform"}, 2, "step 5 does not come after 9"},
		{[]string{"train", "--sampler", "speakers:9@5,uniform", "--batch", "8"}, 2, "9 speakers per batch do not fit in a batch of 8"},
		{[]string{"train", "--sampler", "speakers:13@5,uniform", "--batch", "16", "--steps", "0", "--out", filepath.Join(dir, "s")}, 1, "only 12 speakers"},
		{[]string{"train", "--threads", "0"}, 2, "--threads"},
		{[]string{"train", "--resume", dir, "--lr", "1"}, 2, "cannot change on --resume"},
		{[]string{"train", "--resume", dir, "--init", model}, 2, "exclude each other"},
		{[]string{"train", "--distributed", "tcp"}, 2, "want mpi"},
		{[]string{"train", "--init", model, "--hidden", "64"}, 2, "--hidden cannot be set with --init"},
		{[]string{"train", "--init", truncated}, 1, "model.safetensors"},
		{[]string{"train", "--data", filepath.Join(dir, "missing")}, 1, "missing"},
		{[]string{"train", "--data", empty}, 1, "no audio files"},
		{[]string{"train", "--resume", empty, "--out", filepath.Join(dir, "o")}, 1, "model.safetensors"},
		{[]string{"embed", good}, 2, "--model is required"},
		{[]string{"embed", "--model", model}, 2, "no audio files"},
		{[]string{"embed", "--model", model, "--layer", "q", good}, 2, "--layer"},
		{[]string{"embed", "--model", truncated, good}, 1, "model.safetensors"},
		{[]string{"embed", "--model", model, short}, 1, "too short"},
		{[]string{"embed", "--model", model, wrongRate}, 1, "44100"},
		{[]string{"embed", "--model", model, corrupt}, 1, "corrupt.wav"},
		{[]string{"embed", "--model", model, filepath.Join(dir, "nope.wav")}, 1, "nope.wav"},
		{[]string{"convert", "--model", model}, 2, "--model and --out are needed"},
		{[]string{"convert", "--model", model, "--out", filepath.Join(dir, "c"), "--dtype", "f16"}, 2, `--dtype "f16": want bf16 or f32`},
		{[]string{"convert", "--model", truncated, "--out", filepath.Join(dir, "c")}, 1, "model.safetensors"},
		{[]string{"convert", "--model", model, "--out", filepath.Join(dir, "missing", "c")}, 1, "missing"},
	} {
		code, stderr := cli(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("cpc %s: exit %d, want %d with %q; said:\n%s", strings.Join(c.args, " "), code, c.code, c.want, stderr)
		}
	}
	t.Setenv("CPC_KERNEL", "bogus")
	if code, stderr := cli("embed", "--model", model, good); code != 1 || !strings.Contains(stderr, `unknown kernel path "bogus"`) {
		t.Errorf("CPC_KERNEL=bogus: exit %d: %s", code, stderr)
	}
	t.Setenv("CPC_KERNEL", "")
	if code, _ := cli("train", "--help"); code != 0 {
		t.Errorf("train --help exited %d", code)
	}
}

// TestEmbedOutputs covers the output shapes: pooled, several files, JSON.
func TestEmbedOutputs(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := cpc.Preset("small")
	m, _ := cpc.New[float32](cfg, nil)
	model := filepath.Join(dir, "m.safetensors")
	m.Save(model, nil)
	a := filepath.Join(dir, "a.wav")
	b := filepath.Join(dir, "b.wav")
	os.WriteFile(a, audio.EncodeWAV16(make([]float32, 3200), 16000), 0o644)
	os.WriteFile(b, audio.EncodeWAV16(make([]float32, 4800), 16000), 0o644)

	pooled := filepath.Join(dir, "pooled.npy")
	if code, e := cli("embed", "--model", model, "--pool", "mean", "--out", pooled, a, b); code != 0 {
		t.Fatal(e)
	}
	if shape, _ := readNpy(t, pooled); len(shape) != 2 || shape[0] != 2 || shape[1] != cfg.Hidden {
		t.Fatalf("pooled shape %v", shape)
	}
	outDir := filepath.Join(dir, "z")
	if code, e := cli("embed", "--model", model, "--layer", "z", "--out", outDir, a, b); code != 0 {
		t.Fatal(e)
	}
	if shape, _ := readNpy(t, filepath.Join(outDir, "b.npy")); len(shape) != 2 || shape[0] != cfg.Frames(4800) || shape[1] != cfg.Channels {
		t.Fatalf("z shape %v", shape)
	}
	js := filepath.Join(dir, "e.jsonl")
	if code, e := cli("embed", "--model", model, "--format", "jsonl", "--out", js, a, b); code != 0 {
		t.Fatal(e)
	}
	lines, _ := os.ReadFile(js)
	if n := strings.Count(string(lines), "\n"); n != 2 || !strings.Contains(string(lines), `"shape":[18,128]`) {
		t.Fatalf("jsonl: %d lines: %.200s", n, lines)
	}
}

// TestConvert: a checkpoint rewritten in bfloat16 is half the size, loads
// as the same architecture and metadata with every weight rounded to
// bfloat16 (within half a unit in the last place, 2⁻⁸ of the weight), and
// converted back to float32 holds those rounded values exactly.
func TestConvert(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := cpc.Preset("small")
	m, err := cpc.New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	f32, bf16, back := filepath.Join(dir, "f32.safetensors"), filepath.Join(dir, "bf16.safetensors"), filepath.Join(dir, "back.safetensors")
	if err := m.Save(f32, map[string]string{"step": "7"}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--model", f32, "--out", bf16}, {"--model", bf16, "--out", back, "--dtype", "F32"}} {
		if code, stderr := cli(append([]string{"convert"}, args...)...); code != 0 {
			t.Fatalf("cpc convert %v: exit %d: %s", args, code, stderr)
		}
	}
	a, b := fileSize(f32), fileSize(bf16)
	if b > a/2+4096 {
		t.Errorf("bfloat16 file %d bytes, float32 %d", b, a)
	}
	half, meta, err := cpc.Load(bf16)
	if err != nil || half.Arch.JSON() != m.Arch.JSON() || meta["step"] != "7" {
		t.Fatalf("bfloat16 checkpoint: %v, arch %s, meta %v", err, half.Arch.JSON(), meta)
	}
	again, _, err := cpc.Load(back)
	if err != nil {
		t.Fatal(err)
	}
	ps, hs, bs := m.Params(), half.Params(), again.Params()
	for i, p := range ps {
		for j, w := range p.W {
			h := hs[i].W[j]
			if math.Abs(float64(h-w)) > math.Abs(float64(w))/256 || math.Float32bits(h)&0xffff != 0 {
				t.Fatalf("%s[%d]: %g as bfloat16 is %g", p.Name, j, w, h)
			}
			if bs[i].W[j] != h {
				t.Fatalf("%s[%d]: %g back in float32 is %g", p.Name, j, h, bs[i].W[j])
			}
		}
	}
}
