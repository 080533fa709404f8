package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/probe"
	"github.com/gocpc/cpc/core/sample"
)

// probeCorpus copies utterances 0–2 of speakers 100–102 of the bundled
// sample into a corpus directory with their label lines (phones.txt) and
// splits (train.txt: 0 and 1, test.txt: 2), and returns it.
func probeCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	all, err := fs.ReadFile(sample.FS, "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	var phones, train, test []string
	for _, line := range strings.Split(string(all), "\n") {
		id, _, _ := strings.Cut(line, " ")
		spk, n := id[:min(3, len(id))], id[min(6, len(id)):]
		if spk < "100" || spk > "102" || n > "0002" {
			continue
		}
		phones = append(phones, line)
		if n == "0002" {
			test = append(test, id)
		} else {
			train = append(train, id)
		}
		b, err := fs.ReadFile(sample.FS, spk+"/1/"+id+".flac")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, spk, "1", id+".flac"), string(b))
	}
	writeFile(t, filepath.Join(dir, "phones.txt"), strings.Join(phones, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "train.txt"), strings.Join(train, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "test.txt"), strings.Join(test, "\n")+"\n")
	return dir
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliStdout runs the command in-process with standard output captured.
func cliStdout(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdout
	os.Stdout = f
	code, stderr := cli(args...)
	os.Stdout = saved
	out, _ := os.ReadFile(f.Name())
	return code, string(out), stderr
}

func TestProbe(t *testing.T) {
	dir := probeCorpus(t)
	code, out, stderr := cliStdout(t, "probe", "--data", dir, "--phones", filepath.Join(dir, "phones.txt"),
		"--train-split", "train.txt", "--test-split", "test.txt",
		"--features", "mfcc,random:small:z", "--features", "random:small,random:small+4", "--max-iterations", "30", "--json")
	if code != 0 {
		t.Fatalf("probe exited %d: %s", code, stderr)
	}
	var got struct {
		Speakers        int            `json:"speakers"`
		TestUtterances  int            `json:"test_utterances"`
		TrainUtterances int            `json:"train_utterances"`
		Results         []probe.Result `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Speakers != 3 || got.TestUtterances != 3 || got.TrainUtterances != 6 || len(got.Results) != 4 {
		t.Fatalf("JSON: %+v", got)
	}
	for i, want := range []struct {
		name string
		dim  int
	}{{"mfcc", 39}, {"random:small:z", 128}, {"random:small", 128}, {"random:small+4", 128}} {
		r := got.Results[i]
		if r.Features != want.name || r.Dim != want.dim || r.TestUtterances != 3 || r.TestFrames < 300 {
			t.Errorf("result %d: %+v", i, r)
		}
		for _, acc := range []float64{r.Phone, r.SpeakerUtterance, r.SpeakerFrame} {
			if acc < 0 || acc > 1 {
				t.Errorf("%s: accuracy %v", r.Features, acc)
			}
		}
	}
	// Read 4 frames later, each test utterance has 4 frames fewer.
	if late, now := got.Results[3].TestFrames, got.Results[2].TestFrames; late != now-3*4 {
		t.Errorf("c_{t+4}: %d test frames, c_t %d", late, now)
	}
	// Three speakers with distinct voices: MFCCs tell them apart.
	if got.Results[0].SpeakerUtterance < 0.99 {
		t.Errorf("mfcc speaker accuracy %.2f per utterance", got.Results[0].SpeakerUtterance)
	}

	// The bundled sample and its files are the defaults; the table is
	// Markdown.
	code, out, stderr = cliStdout(t, "probe", "--features", "mfcc", "--max-iterations", "3")
	if code != 0 {
		t.Fatalf("probe on the sample exited %d: %s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[2], "| mfcc | 39 | ") ||
		!strings.Contains(stderr, "144 train and 36 test utterances, 12 speakers, 68 phone classes") {
		t.Errorf("table:\n%s\nstderr:\n%s", out, stderr)
	}

	// --l2 auto: each classifier's strength is the grid's and comes with
	// the held-out accuracy of every strength.
	code, out, stderr = cliStdout(t, "probe", "--features", "mfcc", "--max-iterations", "3", "--l2", "auto", "--json")
	if code != 0 {
		t.Fatalf("probe --l2 auto exited %d: %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Results) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	for _, fit := range []probe.FitInfo{got.Results[0].PhoneFit, got.Results[0].SpeakerFit} {
		if !slices.Contains(probe.L2Grid, fit.L2) || len(fit.CV) != len(probe.L2Grid) || fit.CV[0].L2 != probe.L2Grid[0] {
			t.Errorf("--l2 auto: %+v", fit)
		}
	}
	if !strings.Contains(stderr, "held-out accuracy") {
		t.Errorf("stderr lacks the cross-validation:\n%s", stderr)
	}
}

func TestProbeBadInput(t *testing.T) {
	dir := probeCorpus(t)
	phones, _ := os.ReadFile(filepath.Join(dir, "phones.txt"))
	bad := func(name, s string) string {
		p := filepath.Join(t.TempDir(), name)
		writeFile(t, p, s)
		return p
	}
	lines := strings.Split(string(phones), "\n")
	malformed := strings.Replace(string(phones), lines[2], lines[2][:11]+"x "+lines[2][11:], 1)
	short := strings.Replace(string(phones), lines[1], lines[1][:10]+strings.Repeat(" 0", 25), 1)
	base := []string{"probe", "--data", dir, "--features", "mfcc", "--max-iterations", "1"}
	with := func(phones, train, test string) []string {
		return append(base[:len(base):len(base)], "--phones", phones, "--train-split", train, "--test-split", test)
	}
	good := filepath.Join(dir, "phones.txt")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"probe"}, 2, "no --features"},
		{base, 2, "--phones, --train-split and --test-split are required"},
		{[]string{"probe", "--features", "random:huge"}, 2, "unknown config"},
		{[]string{"probe", "--features", "random:small+x"}, 2, "unknown config"},
		{[]string{"probe", "--features", "mfcc+4x"}, 1, "mfcc+4x"},
		{[]string{"probe", "--features", "mfcc", "--l2", "-1"}, 2, `--l2 "-1": want a positive number or auto`},
		{[]string{"probe", "--features", "mfcc", "--l2", "1e-4x"}, 2, `--l2 "1e-4x"`},
		{append(with(good, "train.txt", "test.txt"), "--l2", "auto"), 1, "speaker 100 has 2 train utterances; cross-validation needs 4"},
		{[]string{"probe", "--features", filepath.Join(dir, "none.safetensors:z")}, 1, "none.safetensors"},
		{with(filepath.Join(dir, "nope.txt"), "train.txt", "test.txt"), 1, "nope.txt"},
		{with(bad("p.txt", string(phones)+"105-1-0000 0 0\n"), "train.txt", "test.txt"), 1, "p.txt:10: utterance 105-1-0000 is not in the corpus"},
		{with(bad("p.txt", malformed), "train.txt", "test.txt"), 1, `p.txt:3: utterance ` + lines[2][:10] + `: label 1 is "x"`},
		{with(bad("p.txt", short), "train.txt", "test.txt"), 1, "p.txt:2: utterance " + lines[1][:10] + " has 25 labels"},
		{with(good, "train.txt", bad("t.txt", "100-1-0002\n101-1-0002\n")), 1, "speaker 102 has no utterances in the test split"},
		{with(good, "train.txt", bad("t.txt", "# nothing\n")), 1, "lists no utterances"},
		{with(good, "train.txt", bad("t.txt", "100-1-0002\n101-1-0002\n102-1-0009\n")), 1, "utterance 102-1-0009 is not in the corpus"},
	} {
		code, stderr := cli(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("cpc %s: exit %d, want %d with %q; said:\n%s", strings.Join(c.args, " "), code, c.code, c.want, stderr)
		}
	}
}
