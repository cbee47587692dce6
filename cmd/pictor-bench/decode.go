package main

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
)

// decodeFlags configure the decode-bomb run.
type decodeFlags struct {
	uploads, side int
	memory        int64
	wait          time.Duration
	pictor        string
}

// decodeResult is what one run measured.
type decodeResult struct {
	Statuses  map[int]int // HTTP status -> count
	PeakRSSKB int64       // VmHWM of the server process
	IdleRSSKB int64
	PNGBytes  int
	Elapsed   time.Duration
}

func runDecode(ctx context.Context, args []string) error {
	var o decodeFlags
	fs := flag.NewFlagSet("decode", flag.ExitOnError)
	fs.IntVar(&o.uploads, "uploads", 12, "concurrent uploads")
	fs.IntVar(&o.side, "side", 5760, "width and height of the 16-bit RGBA PNG")
	fs.Int64Var(&o.memory, "decode-memory", config.Default().Media.DecodeMemory, "[media] decode_memory (0: leave the keys out)")
	fs.DurationVar(&o.wait, "decode-wait", config.Default().Media.DecodeWait.Duration, "[media] decode_wait")
	fs.StringVar(&o.pictor, "pictor", "", "pictor binary (default: go build ./cmd/pictor)")
	fs.Parse(args)
	res, err := decodeBench(ctx, o)
	if err != nil {
		return err
	}
	var codes []string
	for _, c := range sortedKeys(res.Statuses) {
		codes = append(codes, fmt.Sprintf("%d×%d", res.Statuses[c], c))
	}
	fmt.Printf("decode: %d concurrent uploads of a %d-byte PNG declaring %d×%d 16-bit RGBA in %v: %s\n",
		o.uploads, res.PNGBytes, o.side, o.side, res.Elapsed.Round(time.Millisecond), strings.Join(codes, ", "))
	fmt.Printf("  resident memory of pictor serve: %d MB idle, %d MB peak (VmHWM), decode_memory %d MB\n",
		res.IdleRSSKB/1024, res.PeakRSSKB/1024, o.memory>>20)
	return nil
}

// decodeBench starts `pictor serve` as a child process with a fresh data
// folder, sends o.uploads concurrent uploads of one decode-bomb PNG through
// POST /api/v2/media and reads the child's peak resident memory.
func decodeBench(ctx context.Context, o decodeFlags) (decodeResult, error) {
	var res decodeResult
	dir, err := os.MkdirTemp("", "pictor-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	if o.pictor, err = pictorBinary(o.pictor, dir); err != nil {
		return res, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(dir, "data")
	token, err := decodeToken(ctx, addr, data)
	if err != nil {
		return res, err
	}
	cfgPath := filepath.Join(dir, "pictor.toml")
	toml := fmt.Sprintf("host = %q\nscheme = \"http\"\nlisten = %q\ndata_dir = %q\nlog_level = \"warn\"\n",
		addr, addr, data)
	if o.memory > 0 { // 0 leaves the keys out, for a binary that predates them
		toml += fmt.Sprintf("[media]\ndecode_memory = %d\ndecode_wait = %q\n", o.memory, o.wait.String())
	}
	if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
		return res, err
	}
	png, err := bombPNG16(o.side)
	if err != nil {
		return res, err
	}
	res.PNGBytes = len(png)
	cmd := exec.Command(o.pictor, "serve", "--config", cfgPath)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if err := waitUp(base); err != nil {
		return res, err
	}
	res.IdleRSSKB = procStatusKB(cmd.Process.Pid, "VmRSS")
	res.Statuses = map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range o.uploads {
		wg.Go(func() {
			code, err := uploadOnce(base, token, png)
			if err != nil {
				code = -1
				fmt.Fprintln(os.Stderr, "upload:", err)
			}
			mu.Lock()
			res.Statuses[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.PeakRSSKB = procStatusKB(cmd.Process.Pid, "VmHWM")
	return res, nil
}

// decodeToken creates the user alice in a fresh data folder and returns an
// access token for her with write:media, through the real OAuth code flow.
func decodeToken(ctx context.Context, addr, data string) (string, error) {
	cfg := config.Default()
	cfg.Host, cfg.Listen, cfg.Scheme, cfg.DataDir = addr, addr, "http", data
	s, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", err
	}
	defer s.Close()
	hash, err := auth.HashPassword("bench password 1234")
	if err != nil {
		return "", err
	}
	a, err := s.Social.CreateAccount(ctx, social.NewAccount{Username: "alice", PasswordHash: hash})
	if err != nil {
		return "", err
	}
	app, secret, err := s.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "bench",
		RedirectURIs: []string{auth.OOBRedirectURI}, Scopes: "read write"})
	if err != nil {
		return "", err
	}
	az, err := s.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: "write"}, a.ID)
	if err != nil {
		return "", err
	}
	tok, err := s.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// uploadOnce POSTs png to /api/v2/media and returns the status; any answer
// that is not 2xx must carry a JSON error.
func uploadOnce(base, token string, png []byte) (int, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "bomb.png")
	if err != nil {
		return 0, err
	}
	fw.Write(png)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v2/media", &body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			return resp.StatusCode, fmt.Errorf("status %d without a JSON error: %.200s", resp.StatusCode, b)
		}
	}
	return resp.StatusCode, nil
}

// bombPNG16 returns a small PNG declaring side×side 16-bit RGBA: the first
// row is a gradient with varying alpha, every other row repeats it (filter
// Up, all zero), so about 8·side² bytes of pixels deflate to a few hundred
// kilobytes. The zlib stream is put together from pieces deflated on their
// own and ended by a sync flush (byte-aligned, non-final, referring to
// nothing before them), so the repeated rows are deflated once per
// bombPieceRows rows and their piece copied, and the checksum is combined
// from the pieces' own: deflating all 265 MB took about 25 CPU seconds under
// the race detector, in TestDecodeBombPeakRSS.
func bombPNG16(side int) ([]byte, error) {
	row := make([]byte, 1+8*side)
	for x := range side {
		p := row[1+8*x:]
		v := uint16(x * 65535 / max(1, side-1))
		binary.BigEndian.PutUint16(p[0:], v)
		binary.BigEndian.PutUint16(p[2:], 65535-v)
		binary.BigEndian.PutUint16(p[4:], 0x4000)
		binary.BigEndian.PutUint16(p[6:], 0x8000|v>>1)
	}
	idat := []byte{0x78, 0xda} // zlib header: deflate, 32 KB window, best compression
	first, err := deflatePiece(row)
	if err != nil {
		return nil, err
	}
	idat = append(idat, first...)
	sum := adler32.Checksum(row)
	up := make([]byte, len(row))
	up[0] = 2 // Up: same as the row above
	for left := side - 1; left > 0; {
		n := min(left, bombPieceRows)
		rows := bytes.Repeat(up, n)
		piece, err := deflatePiece(rows)
		if err != nil {
			return nil, err
		}
		pieceSum, pieceLen := adler32.Checksum(rows), len(rows)
		for ; left >= n; left -= n {
			idat = append(idat, piece...)
			sum = adler32Combine(sum, pieceSum, pieceLen)
		}
	}
	idat = append(idat, 0x03, 0x00) // an empty final block (fixed Huffman)
	idat = binary.BigEndian.AppendUint32(idat, sum)
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(side))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(side))
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = appendChunk(out, "IHDR", ihdr)
	out = appendChunk(out, "IDAT", idat)
	return appendChunk(out, "IEND", nil), nil
}

// bombPieceRows is how many repeated rows one deflated piece of bombPNG16
// holds.
const bombPieceRows = 64

// deflatePiece deflates data alone and ends with a sync flush: non-final
// blocks ending on a byte boundary that refer to nothing before them, so
// pieces can follow one another in one stream.
func deflatePiece(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// adler32Combine returns the Adler-32 of A followed by B from the checksums
// of A and B and the length of B (zlib's adler32_combine).
func adler32Combine(a, b uint32, lenB int) uint32 {
	const base = 65521
	rem := uint32(lenB % base)
	sum1 := a & 0xffff
	sum2 := rem * sum1 % base
	sum1 += b&0xffff + base - 1
	sum2 += a>>16 + b>>16 + base - rem
	if sum1 >= base {
		sum1 -= base
	}
	if sum1 >= base {
		sum1 -= base
	}
	if sum2 >= base<<1 {
		sum2 -= base << 1
	}
	if sum2 >= base {
		sum2 -= base
	}
	return sum1 | sum2<<16
}

func appendChunk(out []byte, typ string, body []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), body...)))
}

// pictorBinary returns bin, or when it is empty builds ./cmd/pictor into dir
// (the benchmarks run from the repository root) and returns that path.
func pictorBinary(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "pictor")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/pictor").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/pictor (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// procStatusKB reads one kB field (VmRSS, VmHWM) of /proc/PID/status.
func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
