package telegramtest

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Files users send: a document with content is kept by its file_id, so
// the bot can fetch it as from Telegram: getFile returns its file_path,
// and GET <APIURL>/file/bot<token>/<file_path> returns its bytes.

// maxGetFile is the largest file getFile serves (Telegram: 20 MB).
const maxGetFile = 20 << 20

// storedFile is a file a user sent.
type storedFile struct {
	id, uniqueID, path string
	data               []byte
	size               int64 // the size Telegram reports
}

// SendFile sends a document named name with the given content and MIME
// type (and an optional caption). The bot can download it: getFile
// answers its file_path and the file URL its bytes. The message's
// document has the file_size of data; use [User.SendFileSized] to report
// another size.
func (u *User) SendFile(name, mimeType string, data []byte, caption string) (int, error) {
	return u.SendFileSized(name, mimeType, data, int64(len(data)), caption)
}

// SendFileSized is [User.SendFile] with the file_size the message and
// getFile report set to size: a size that is not the file's tests a bot
// that must not trust it.
func (u *User) SendFileSized(name, mimeType string, data []byte, size int64, caption string) (int, error) {
	f := u.s.storeFile(name, data, size)
	m := u.newMessage()
	m.Document = &tgbotapi.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: name, MimeType: mimeType, FileSize: int(size)}
	m.Caption = caption
	return u.enqueue(tgbotapi.Update{Message: m})
}

func (s *Server) storeFile(name string, data []byte, size int64) *storedFile {
	n := strconv.FormatInt(s.fileSeq.Add(1), 10)
	f := &storedFile{id: "file-" + n, uniqueID: "ufile-" + n, path: "documents/file_" + n + path.Ext(name),
		data: append([]byte(nil), data...), size: size}
	s.files.Store(f.id, f)
	s.filePaths.Store(f.path, f)
	return f
}

// Downloads returns how many file downloads the server answered with a
// file's bytes.
func (s *Server) Downloads() int { return int(s.downloads.Load()) }

// getFile answers getFile: the file's size and path, as Telegram does for
// files up to 20 MB.
func (s *Server) getFile(p params) (any, *apiError) {
	v, ok := s.files.Load(p.get("file_id"))
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	f := v.(*storedFile)
	if len(f.data) > maxGetFile {
		return nil, badRequest("file is too big")
	}
	return tgbotapi.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: int(f.size), FilePath: f.path}, nil
}

// serveFile answers GET /file/bot<token>/<file_path> with the file's bytes.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	tok, fp, ok := strings.Cut(rest, "/")
	v, found := s.filePaths.Load(fp)
	if !ok || tok != s.token || !found || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	f := v.(*storedFile)
	s.downloads.Add(1)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
