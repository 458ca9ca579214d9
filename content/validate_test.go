package content

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// copyData copies the embedded content into a MapFS, so that a fixture is
// the real content with one deliberate fault and stays in sync with it.
func copyData(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(embedded, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// edit replaces old with new in file, failing if old is not there.
func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f, ok := m[file]
	if !ok {
		t.Fatalf("fixture: no file %s", file)
	}
	s := string(f.Data)
	if !strings.Contains(s, old) {
		t.Fatalf("fixture: %q not in %s", old, file)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

// overlay puts the files of testdata/broken/<name>/ over the copy.
func overlay(t *testing.T, m fstest.MapFS, name string) {
	t.Helper()
	root := path.Join("testdata", "broken", name)
	dir := os.DirFS(root)
	err := fs.WalkDir(dir, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dir, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestValidLoadFS(t *testing.T) {
	if _, err := LoadFS(copyData(t)); err != nil {
		t.Fatalf("a copy of the embedded data must load: %v", err)
	}
}

// Each broken fixture fails to load with an error naming the file and the
// field (or, for broken YAML, the line).
func TestBrokenFixtures(t *testing.T) {
	long := strings.Repeat("Teks yang terlalu panjang. ", 200)
	cases := []struct {
		name   string
		break_ func(t *testing.T, m fstest.MapFS)
		want   []string // substrings of one problem line
	}{
		{
			name: "missing English field",
			break_: func(t *testing.T, m fstest.MapFS) {
				removeLine(t, m, "data/methods/iud.yaml", `  en: "Right after the IUD is removed`)
			},
			want: []string{"data/methods/iud.yaml", "return_to_fertility.en", "missing text"},
		},
		{
			name: "empty English text",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/kondom.yaml", `  en: "Can be used right after giving birth, also while breastfeeding."`, `  en: ""`)
			},
			want: []string{"data/methods/kondom.yaml", "after_childbirth.en", "missing text"},
		},
		{
			name: "unknown source id",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/iud.yaml", "effectiveness: {typical: 0.8, perfect: 0.6, source: HB18}", "effectiveness: {typical: 0.8, perfect: 0.6, source: HB99}")
			},
			want: []string{"data/methods/iud.yaml", "effectiveness.source", `"HB99"`},
		},
		{
			name: "medical number without source",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/topics/empat-terlalu.yaml", "      source: BKKBN24\n  - heading: {id: \"Terlalu dekat\"", "  - heading: {id: \"Terlalu dekat\"")
			},
			want: []string{"data/topics/empat-terlalu.yaml", "sections[2].body.source", "names no source"},
		},
		{
			name: "effectiveness without source",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/pil.yaml", "effectiveness: {typical: 7, perfect: 0.3, source: HB18}", "effectiveness: {typical: 7, perfect: 0.3}")
			},
			want: []string{"data/methods/pil.yaml", "effectiveness.source", "missing"},
		},
		{
			name: "unknown myth referenced by a method",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/pil.yaml", "myths: [pil-menumpuk,", "myths: [pil-numpuk,")
			},
			want: []string{"data/methods/pil.yaml", "myths[0]", `"pil-numpuk"`},
		},
		{
			name: "unknown method referenced by a myth",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/myths.yaml", "    methods: [iud]\n", "    methods: [spiral]\n")
			},
			want: []string{"data/myths.yaml", "(iud-jantung).methods[0]", `"spiral"`},
		},
		{
			name: "unknown topic referenced by a topic",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/topics/layanan.yaml", "topics: [biaya, bidan]", "topics: [bidan-desa, bidan]")
			},
			want: []string{"data/topics/layanan.yaml", "topics[0]", `"bidan-desa"`},
		},
		{
			name: "unknown method in a quiz rule",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/quiz.yaml", "exclude: [pil, suntik1]", "exclude: [pil, suntik2]")
			},
			want: []string{"data/quiz.yaml", "exclude[1]", `"suntik2"`},
		},
		{
			name: "unknown option in a quiz rule",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/quiz.yaml", "if: {menyusui: [penuh, sebagian]}\n    exclude", "if: {menyusui: [penuh, kadang]}\n    exclude")
			},
			want: []string{"data/quiz.yaml", "menyusui-tanpa-estrogen", `"kadang"`},
		},
		{
			name: "hard quiz rule without source",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/quiz.yaml", "    hard: true\n    source: CSS-KB\n", "    hard: true\n")
			},
			want: []string{"data/quiz.yaml", "mal-tiga-syarat", ".source"},
		},
		{
			name: "over-long text field",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/iud.yaml", `  en: "Right after the IUD is removed`, `  en: "`+long+` Right after the IUD is removed`)
			},
			want: []string{"data/methods/iud.yaml", "return_to_fertility.en", "longer than"},
		},
		{
			name: "page over Telegram's limit",
			break_: func(t *testing.T, m fstest.MapFS) {
				// Each field stays under its own limit; together the
				// overview page is too long for one message.
				pad := strings.Repeat("Kalimat tambahan untuk uji. ", 30)
				for _, prefix := range []string{"    An injection with one hormone", "    The bidan gives you an injection every 3 months", "    It takes longer", "    From a bidan at the Puskesmas", "  en: \"One injection protects"} {
					lead := prefix[:len(prefix)-len(strings.TrimLeft(prefix, " "))]
					if strings.HasPrefix(prefix, "  en: ") {
						lead = `  en: "`
					}
					edit(t, m, "data/methods/suntik3.yaml", prefix, lead+pad+strings.TrimPrefix(prefix, lead))
				}
			},
			want: []string{"data/methods/suntik3.yaml", "page umum (en)", "over Telegram's 4096"},
		},
		{
			name: "bad id",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/myths.yaml", "  - id: iud-jantung\n", "  - id: \"IUD ke Jantung!\"\n")
			},
			want: []string{"data/myths.yaml", ".id", "IUD ke Jantung!"},
		},
		{
			name: "topic id not the file name",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/topics/ims.yaml", "id: ims\n", "id: hiv\n")
			},
			want: []string{"data/topics/ims.yaml", "id", `"hiv"`},
		},
		{
			name: "unknown field (typo)",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/methods/mal.yaml", "\nwhere:\n", "\nwhere:\n  sumber: HB11\n")
			},
			want: []string{"data/methods/mal.yaml", "sumber", "unknown field"},
		},
		{
			name: "method file missing",
			break_: func(t *testing.T, m fstest.MapFS) {
				delete(m, "data/methods/mal.yaml")
			},
			want: []string{"data/methods/mal.yaml", "missing"},
		},
		{
			name: "resident acknowledgement mentions pregnancy",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/checklist.yaml", `id: "Terima kasih.`, `id: "Anda tidak hamil. Terima kasih.`)
			},
			want: []string{"data/checklist.yaml", "resident_ack.id", "hamil"},
		},
		{
			name: "myth without search words",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/search.yaml", "    kb-gemuk: {gemuk: 3.5}\n", "")
			},
			want: []string{"data/search.yaml", "targets.myths.kb-gemuk", "missing"},
		},
		{
			name: "stop word as a search word",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/search.yaml", "words: [kanker, cancer,", "words: [kanker, yang, cancer,")
			},
			want: []string{"data/search.yaml", "concepts.kanker.words", "stop word"},
		},
		{
			name: "missing label",
			break_: func(t *testing.T, m fstest.MapFS) {
				edit(t, m, "data/labels.yaml", "myth.fact: {id: \"Fakta\", en: \"Fact\"}\n", "")
			},
			want: []string{"data/labels.yaml", "myth.fact", "missing"},
		},
		{
			name: "broken YAML (testdata fixture)",
			break_: func(t *testing.T, m fstest.MapFS) {
				overlay(t, m, "yaml-syntax")
			},
			want: []string{"data/myths.yaml", "yaml", "line"},
		},
		{
			name: "unknown method file (testdata fixture)",
			break_: func(t *testing.T, m fstest.MapFS) {
				overlay(t, m, "unknown-method")
			},
			want: []string{"data/methods/pill.yaml", "code", `"pill"`},
		},
		{
			name: "broken ui.yaml is reported too",
			break_: func(t *testing.T, m fstest.MapFS) {
				m["data/ui.yaml"] = &fstest.MapFile{Data: []byte("welcome: {id: \"Halo\"}\n")}
			},
			want: []string{"data/ui.yaml", "welcome", `"en"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := copyData(t)
			c.break_(t, m)
			_, err := LoadFS(m)
			if err == nil {
				t.Fatal("LoadFS succeeded; want an error")
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			for _, line := range le.Problems {
				if containsAll(line, c.want) {
					return
				}
			}
			t.Errorf("no problem line contains all of %q; got:\n%v", c.want, err)
		})
	}
}

// All problems are collected, not just the first.
func TestAllProblemsReported(t *testing.T) {
	m := copyData(t)
	edit(t, m, "data/methods/pil.yaml", "topics: [lupa-pil,", "topics: [menyusu,")
	edit(t, m, "data/topics/layanan.yaml", "topics: [biaya, bidan]", "topics: [bidan-desa, bidan]")
	overlay(t, m, "yaml-syntax") // replaces myths.yaml: its own error
	_, err := LoadFS(m)
	if err == nil {
		t.Fatal("want an error")
	}
	// A broken file is reported once, not again by everything that refers
	// to its items.
	if strings.Contains(err.Error(), "unknown myth") {
		t.Errorf("references to the myths of a broken file are reported:\n%v", err)
	}
	for _, want := range []string{"data/methods/pil.yaml", "data/topics/layanan.yaml", "data/myths.yaml: yaml: line"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

// removeLine deletes the line of file that starts with prefix.
func removeLine(t *testing.T, m fstest.MapFS, file, prefix string) {
	t.Helper()
	lines := strings.Split(string(m[file].Data), "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, prefix) {
			lines = append(lines[:i], lines[i+1:]...)
			m[file] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n"))}
			return
		}
	}
	t.Fatalf("fixture: no line %q in %s", prefix, file)
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
