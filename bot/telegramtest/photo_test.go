package telegramtest_test

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// A photo a user sends can be sent on by its file_id, without an upload,
// with a caption; the receiver sees the file_id as the photo's name.
func TestPhotoForwardedByFileID(t *testing.T) {
	s := newServer(t)
	runBot(t, s, func(api *tgbotapi.BotAPI, u tgbotapi.Update) {
		m := u.Message
		if m == nil || len(m.Photo) != 2 {
			t.Errorf("want a photo in two sizes, got %+v", m)
			return
		}
		if m.Caption != "Jadwal KB" || m.Photo[1].FileID != "poster-7" {
			t.Errorf("caption %q, largest size %q", m.Caption, m.Photo[1].FileID)
		}
		p := tgbotapi.NewPhoto(2, tgbotapi.FileID(m.Photo[1].FileID))
		p.Caption, p.ParseMode = "<b>Info</b> "+m.Caption, tgbotapi.ModeHTML
		if _, err := api.Send(p); err != nil {
			t.Errorf("send the photo on: %v", err)
		}
	})
	from, to := s.User(1, "Kader"), s.User(2, "Warga")
	if _, err := from.SendPhotoID("poster-7", "Jadwal KB"); err != nil {
		t.Fatal(err)
	}
	msgs := to.Messages()
	if len(msgs) != 1 || msgs[0].Photo == nil || msgs[0].Photo.Name != "poster-7" || len(msgs[0].Photo.Data) != 0 ||
		msgs[0].Photo.Caption != "<b>Info</b> Jadwal KB" {
		t.Fatalf("the receiver got %+v", msgs)
	}
}
