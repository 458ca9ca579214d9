package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ErrFileTooBig means a file a user sent is larger than the caller takes.
var ErrFileTooBig = errors.New("telegram: file too big")

// Download fetches a file a user sent, as the Bot API serves it: getFile
// gives the file's path, then GET <apiURL>/file/bot<token>/<path> its
// bytes. A file larger than max bytes is refused with ErrFileTooBig, by
// the size getFile reports or, if that is missing or wrong, after max+1
// bytes have arrived. The token never appears in an error.
func (c *Client) Download(ctx context.Context, fileID string, max int64) ([]byte, error) {
	raw, err := c.Call(ctx, "getFile", tgbotapi.Params{"file_id": fileID})
	if err != nil {
		return nil, err
	}
	var f tgbotapi.File
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("telegram getFile: %w", err)
	}
	if int64(f.FileSize) > max {
		return nil, fmt.Errorf("telegram getFile: %d bytes: %w", f.FileSize, ErrFileTooBig)
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram getFile: no file_path in the answer")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.apiURL+"/file/bot"+c.token+"/"+f.FilePath, nil)
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram file download: %w", err))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram file download: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telegram file download: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram file download: %w", err))
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("telegram file download: more than %d bytes: %w", max, ErrFileTooBig)
	}
	return data, nil
}
