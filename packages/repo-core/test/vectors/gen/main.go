// Command salvage-vectors writes known-answer vectors for Salvage's kopia primitives using
// kopia v0.22.3's own packages (hashing, encryption, compression, ecc) and the exact library
// versions it pins. It must be built inside the kopia module (it imports kopia/internal/gather);
// generate.sh copies it there. Output is deterministic except for AEAD nonces and pgzip/s2
// parallel block boundaries, which is fine: tests check decoding against the originals' sha256.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/s2"
	"github.com/pierrec/lz4"

	"github.com/kopia/kopia/internal/gather"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/repo/ecc"
	"github.com/kopia/kopia/repo/encryption"
	"github.com/kopia/kopia/repo/hashing"
)

type params struct {
	hash, enc string
	secret    []byte
	master    []byte
}

func (p params) GetHashFunction() string        { return p.hash }
func (p params) GetHmacSecret() []byte          { return p.secret }
func (p params) GetEncryptionAlgorithm() string { return p.enc }
func (p params) GetMasterKey() []byte           { return p.master }

// pattern is the deterministic input named "pattern:N" in the vectors (see kat.test.ts).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i%251) ^ byte(i>>8)
	}
	return b
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func writeJSON(path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	must(err)
	must(os.WriteFile(path, append(b, '\n'), 0o644))
}

type hashVec struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	Input  string `json:"input"`
	Digest string `json:"digest"`
}

type encVec struct {
	Algorithm string `json:"algorithm"`
	MasterKey string `json:"masterKey"`
	IV        string `json:"iv"`
	Plaintext string `json:"plaintext"`
	Stored    string `json:"stored"`
}

func cryptoVectors(out string) {
	secrets := [][]byte{seq(32), []byte("key"), {}, seq(64), seq(48)}
	inputs := []int{0, 1, 3, 64, 65, 1000, 1024, 4097, 65536 + 17}
	var hv []hashVec
	names := hashing.SupportedAlgorithms()
	sort.Strings(names)
	for _, name := range names {
		for _, s := range secrets {
			hf, err := hashing.CreateHashFunc(params{hash: name, secret: s})
			if err != nil {
				continue // kopia refuses this key size for this algorithm
			}
			for _, n := range inputs {
				d := hf(nil, gather.FromSlice(pattern(n)))
				hv = append(hv, hashVec{name, hex.EncodeToString(s), fmt.Sprintf("pattern:%d", n), hex.EncodeToString(d)})
			}
		}
	}
	var ev []encVec
	for _, alg := range encryption.SupportedAlgorithms(false) {
		master := seq(32)
		e, err := encryption.CreateEncryptor(params{enc: alg, master: master})
		must(err)
		for i, n := range []int{0, 1, 15, 16, 17, 1000, 20000} {
			iv := pattern(64)[i : i+16+i%2*16] // 16- and 32-byte ivs
			var buf gather.WriteBuffer
			must(e.Encrypt(gather.FromSlice(pattern(n)), iv, &buf))
			ev = append(ev, encVec{alg, hex.EncodeToString(master), hex.EncodeToString(iv), fmt.Sprintf("pattern:%d", n), hex.EncodeToString(buf.ToByteSlice())})
			buf.Close()
		}
	}
	writeJSON(filepath.Join(out, "kopia-crypto.json"), map[string]any{
		"source":     "kopia v0.22.3 repo/hashing and repo/encryption via test/vectors/gen",
		"hash":       hv,
		"encryption": ev,
	})
}

// Sample inputs for the compressors.
func samples() map[string][]byte {
	r := rand.New(rand.NewSource(42))
	random := make([]byte, 32<<10)
	r.Read(random)
	words := strings.Fields("the quick brown fox jumps over lazy dog kopia restic salvage backup " +
		"repository snapshot content index pack blob object directory manifest epoch compression")
	var text bytes.Buffer
	for text.Len() < 96<<10 {
		text.WriteString(words[r.Intn(len(words))])
		if r.Intn(12) == 0 {
			text.WriteString(".\n")
		} else {
			text.WriteByte(' ')
		}
	}
	// long repeats with small edits: exercises long copies and S2 repeat offsets.
	chunk := make([]byte, 1000)
	r.Read(chunk)
	var rep bytes.Buffer
	for i := 0; rep.Len() < 1<<20; i++ {
		c := append([]byte(nil), chunk...)
		c[i%1000] ^= byte(i)
		rep.Write(c)
		if i%37 == 0 {
			rep.Write(random[:i%300])
		}
	}
	// > 4 MiB: edited repeats with text snippets, so blocks fill the 4 MiB limit of S2 and LZ4
	// while the file stays small enough to commit.
	var big bytes.Buffer
	for i := 0; big.Len() < 5<<20+123; i++ {
		c := append([]byte(nil), chunk...)
		c[(i*7)%1000] ^= byte(i)
		big.Write(c)
		if i%29 == 0 {
			o := (i * 131) % (text.Len() - 300)
			big.Write(text.Bytes()[o : o+i%300])
		}
	}
	big.Truncate(5<<20 + 123)
	return map[string][]byte{
		"empty":   {},
		"one":     {'x'},
		"small":   text.Bytes()[:4096],
		"text":    text.Bytes(),
		"random":  random,
		"zeros":   make([]byte, 1<<20),
		"repeats": rep.Bytes(),
		"big":     big.Bytes(),
	}
}

type compVec struct {
	File     string `json:"file"`
	Codec    string `json:"codec"`
	HeaderID *int   `json:"headerId"`
	Sample   string `json:"sample"`
	Length   int    `json:"length"`
	SHA256   string `json:"sha256"`
	Note     string `json:"note,omitempty"`
}

func compressionVectors(out string) {
	dir := filepath.Join(out, "compress")
	must(os.MkdirAll(dir, 0o755))
	smp := samples()
	var vecs []compVec
	add := func(file, codec string, header *int, sample string, data []byte, note string) {
		must(os.WriteFile(filepath.Join(dir, file), data, 0o644))
		src := smp[sample]
		sum := sha256.Sum256(src)
		vecs = append(vecs, compVec{file, codec, header, sample, len(src), hex.EncodeToString(sum[:]), note})
	}
	var names []string
	for n := range compression.ByName {
		names = append(names, string(n))
	}
	sort.Strings(names)
	everyCodec := []string{"empty", "one", "small", "text", "zeros", "repeats"}
	for _, name := range names {
		c := compression.ByName[compression.Name(name)]
		kinds := everyCodec
		switch name {
		case "s2-default", "gzip", "pgzip", "deflate-default", "zstd-fastest", "lz4", "s2-better":
			kinds = append(kinds, "random")
		}
		switch name {
		case "s2-default", "s2-better", "s2-parallel-4", "lz4", "pgzip":
			kinds = append(kinds, "big")
		}
		for _, k := range kinds {
			var buf bytes.Buffer
			must(c.Compress(&buf, bytes.NewReader(smp[k])))
			h := int(c.HeaderID())
			add(fmt.Sprintf("%s.%s.bin", name, k), name, &h, k, buf.Bytes(), "kopia compressor output: 4-byte header ID then the stream")
		}
	}
	// Raw S2 streams with writer options kopia does not use but the format allows.
	s2opts := map[string][]s2.WriterOption{
		"s2-best":         {s2.WriterBestCompression()},
		"s2-block4m":      {s2.WriterBetterCompression(), s2.WriterBlockSize(4 << 20)},
		"s2-snappycompat": {s2.WriterSnappyCompat()},
		"s2-padding":      {s2.WriterPadding(4096)},
		"s2-uncompressed": {s2.WriterUncompressed()},
		"s2-smallblocks":  {s2.WriterBlockSize(4096)},
	}
	for name, opts := range s2opts {
		for _, k := range []string{"text", "repeats", "random", "zeros", "big"} {
			if k == "big" && name != "s2-block4m" && name != "s2-best" {
				continue
			}
			if (name == "s2-uncompressed" || name == "s2-smallblocks") && k != "text" && k != "random" {
				continue
			}
			var buf bytes.Buffer
			w := s2.NewWriter(&buf, opts...)
			_, err := w.Write(smp[k])
			must(err)
			must(w.Close())
			add(fmt.Sprintf("raw.%s.%s.bin", name, k), "s2", nil, k, buf.Bytes(), "raw S2 stream (no kopia header), klauspost/compress s2.NewWriter")
		}
	}
	// Raw LZ4 frames with pierrec/lz4 v2 writer options.
	lz4opts := map[string]lz4.Header{
		"lz4-blockchecksum": {BlockChecksum: true},
		"lz4-64k":           {BlockMaxSize: 64 << 10},
		"lz4-nochecksum":    {NoChecksum: true, BlockMaxSize: 256 << 10},
		"lz4-size":          {Size: 0, CompressionLevel: 9},
	}
	for name, h := range lz4opts {
		for _, k := range []string{"text", "repeats", "random", "zeros", "big"} {
			var buf bytes.Buffer
			w := lz4.NewWriter(&buf)
			w.Header = h
			if name == "lz4-size" {
				w.Header.Size = uint64(len(smp[k]))
			}
			_, err := w.Write(smp[k])
			must(err)
			must(w.Close())
			add(fmt.Sprintf("raw.%s.%s.bin", name, k), "lz4", nil, k, buf.Bytes(), "raw LZ4 frame, pierrec/lz4 v2.6.1")
		}
	}
	// Originals of the samples the lz4 CLI step in generate.sh compresses.
	for _, k := range []string{"text", "repeats", "big"} {
		must(os.WriteFile(filepath.Join(os.TempDir(), "salvage-sample-"+k), smp[k], 0o644))
		sum := sha256.Sum256(smp[k])
		vecs = append(vecs, compVec{fmt.Sprintf("raw.lz4cli-dependent.%s.bin", k), "lz4", nil, k, len(smp[k]), hex.EncodeToString(sum[:]), "raw LZ4 frame, lz4 CLI -B4 -BD -BX: 64 KiB block-dependent blocks with block checksums"})
	}
	sort.Slice(vecs, func(i, j int) bool { return vecs[i].File < vecs[j].File })
	writeJSON(filepath.Join(dir, "manifest.json"), map[string]any{
		"source":  "kopia v0.22.3 repo/compression (klauspost/compress v1.18.2, pierrec/lz4 v2.6.1) via test/vectors/gen",
		"vectors": vecs,
	})
}

type eccParams struct {
	Percent      int `json:"percent"`
	MaxShardSize int `json:"maxShardSize"`
	DataShards   int `json:"dataShards"`
	ParityShards int `json:"parityShards"`
	TSmall       int `json:"thresholdParityOutput"`
	TOne         int `json:"thresholdBlocksOutput"`
}

type eccVec struct {
	Percent int    `json:"percent"`
	Input   string `json:"input"`
	File    string `json:"file"`
	Length  int    `json:"length"`
}

// eccInput is kopia ecc_rs_crc_test.go's input: byte i = (i mod 255) + 1.
func eccInput(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i%255 + 1)
	}
	return b
}

func eccVectors(out string) {
	dir := filepath.Join(out, "ecc")
	must(os.MkdirAll(dir, 0o755))
	var ps []eccParams
	for p := 1; p <= 100; p++ {
		e, err := ecc.CreateAlgorithm(&ecc.Options{Algorithm: ecc.AlgorithmReedSolomonWithCrc32, OverheadPercent: p})
		must(err)
		r := e.(*ecc.ReedSolomonCrcECC)
		ps = append(ps, eccParams{p, r.MaxShardSize, r.DataShards, r.ParityShards, r.ThresholdParityOutput, r.ThresholdBlocksOutput})
	}
	var vs []eccVec
	for _, p := range []int{1, 2, 5, 10, 20, 50, 100} {
		e, err := ecc.CreateAlgorithm(&ecc.Options{Algorithm: ecc.AlgorithmReedSolomonWithCrc32, OverheadPercent: p})
		must(err)
		for _, n := range []int{0, 1, 2, 3, 4, 5, 17, 100, 1000, 1500, 2800, 9000, 20000, 70000} {
			var buf gather.WriteBuffer
			must(e.Encrypt(gather.FromSlice(eccInput(n)), nil, &buf))
			f := fmt.Sprintf("p%d-n%d.bin", p, n)
			must(os.WriteFile(filepath.Join(dir, f), buf.ToByteSlice(), 0o644))
			vs = append(vs, eccVec{p, "ecc-pattern", f, n})
			buf.Close()
		}
	}
	writeJSON(filepath.Join(dir, "manifest.json"), map[string]any{
		"source":  "kopia v0.22.3 repo/ecc (klauspost/reedsolomon v1.12.6) via test/vectors/gen",
		"params":  ps,
		"vectors": vs,
	})
}

func main() {
	out := flag.String("out", "", "output directory (packages/repo-core/test/vectors)")
	flag.Parse()
	if *out == "" {
		panic("-out is required")
	}
	cryptoVectors(*out)
	compressionVectors(*out)
	eccVectors(*out)
	_ = io.Discard
}
