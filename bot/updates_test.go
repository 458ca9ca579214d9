package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// The poller and the webhook decode updates into the slim wire types
// (updates.go). These tests hold them to the events kbbot made before,
// when it decoded tgbotapi.Update: oldToEvent below is that code as it
// was (commit 7a4deb5), kept as the oracle.

// updateCorpus holds one update of every kind kbbot handles or ignores,
// and the odd shapes Telegram's objects can take.
var updateCorpus = []string{
	// Text, commands (with arguments, @bot, upper case, emoji, UTF-16 offsets).
	`{"update_id":1,"message":{"message_id":10,"date":1,"chat":{"id":5,"type":"private","first_name":"B"},"from":{"id":5,"is_bot":false,"first_name":"B","language_code":"id"},"text":"tanya dong"}}`,
	`{"update_id":2,"message":{"message_id":11,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/start kbs-42","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
	`{"update_id":3,"message":{"message_id":12,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/BAHASA@kbbot_bot  en ","entities":[{"offset":0,"length":17,"type":"bot_command"}]}}`,
	`{"update_id":4,"message":{"message_id":13,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/menu","entities":[{"offset":0,"length":5,"type":"bot_command"}]}}`,
	`{"update_id":5,"message":{"message_id":14,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"😀 /menu","entities":[{"offset":3,"length":5,"type":"bot_command"}]}}`,
	`{"update_id":6,"message":{"message_id":15,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/é x","entities":[{"offset":0,"length":2,"type":"bot_command"}]}}`,
	`{"update_id":7,"message":{"message_id":16,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/x","entities":[{"offset":0,"length":9,"type":"bot_command"}]}}`,
	`{"update_id":8,"message":{"message_id":17,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"lihat https://x.id","entities":[{"offset":6,"length":12,"type":"url"}]}}`,
	`{"update_id":9,"message":{"message_id":18,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"bold","entities":[{"offset":0,"length":4,"type":"bold"}]}}`,
	`{"update_id":10,"message":{"message_id":19,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"","entities":[]}}`,
	// Location, contact (own and someone else's).
	`{"update_id":11,"message":{"message_id":20,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"location":{"latitude":-6.9,"longitude":109.6,"horizontal_accuracy":12.5}}}`,
	`{"update_id":12,"message":{"message_id":21,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"contact":{"phone_number":"+62811","first_name":"B","user_id":5}}}`,
	`{"update_id":13,"message":{"message_id":22,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"contact":{"phone_number":"+62812","first_name":"C","user_id":6}}}`,
	`{"update_id":14,"message":{"message_id":23,"chat":{"id":5,"type":"private"},"contact":{"phone_number":"+62813","first_name":"C"}}}`,
	// Media.
	`{"update_id":15,"message":{"message_id":24,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"sticker":{"file_id":"s1","file_unique_id":"u","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false}}}`,
	`{"update_id":16,"message":{"message_id":25,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"photo":[{"file_id":"p-small","file_unique_id":"a","width":90,"height":90,"file_size":100},{"file_id":"p-big","file_unique_id":"b","width":900,"height":900,"file_size":9000}],"caption":"KTP saya"}}`,
	`{"update_id":17,"message":{"message_id":26,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"photo":[]}}`,
	`{"update_id":18,"message":{"message_id":27,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"document":{"file_id":"d1","file_unique_id":"u","file_name":"data.xlsx","mime_type":"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet","file_size":2048,"thumb":{"file_id":"t","file_unique_id":"t","width":1,"height":1}},"caption":"data"}}`,
	`{"update_id":19,"message":{"message_id":28,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"voice":{"file_id":"v","file_unique_id":"u","duration":3}}}`,
	`{"update_id":20,"message":{"message_id":29,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"audio":{"file_id":"a","file_unique_id":"u","duration":3}}}`,
	`{"update_id":21,"message":{"message_id":30,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"video":{"file_id":"v","file_unique_id":"u","width":1,"height":1,"duration":3}}}`,
	`{"update_id":22,"message":{"message_id":31,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"video_note":{"file_id":"v","file_unique_id":"u","length":1,"duration":3}}}`,
	`{"update_id":23,"message":{"message_id":32,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"animation":{"file_id":"g","file_unique_id":"u","width":1,"height":1,"duration":3},"document":{"file_id":"g","file_unique_id":"u"}}}`,
	`{"update_id":24,"message":{"message_id":33,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"dice":{"emoji":"🎲","value":3}}}`,
	`{"update_id":25,"message":{"message_id":34,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"sticker":null,"photo":null,"caption":"tanpa apa-apa"}}`,
	`{"update_id":26,"message":{"message_id":35,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"photo":[{"file_id":"p","file_unique_id":"a","width":9,"height":9}],"text":"foto dengan teks"}}`,
	// Bots, missing chat, channels, groups.
	`{"update_id":27,"message":{"message_id":36,"chat":{"id":5,"type":"private"},"from":{"id":77,"is_bot":true,"first_name":"Bot"},"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
	`{"update_id":28,"message":{"message_id":37,"from":{"id":5,"first_name":"B"},"text":"tanpa chat"}}`,
	`{"update_id":29,"message":{"message_id":38,"chat":{"id":-200,"type":"channel","title":"Info"},"text":"pengumuman"}}`,
	`{"update_id":30,"message":{"message_id":39,"chat":{"id":-100,"type":"supergroup","title":"PKB"},"from":{"id":5,"first_name":"B"},"text":"/start@kbbot_bot","entities":[{"offset":0,"length":16,"type":"bot_command"}]}}`,
	`{"update_id":31,"message":{"message_id":40,"chat":{"id":-100,"type":"group","title":"PKB"},"from":{"id":5,"first_name":"B"},"text":"halo @KBBOT_bot apa kabar"}}`,
	`{"update_id":32,"message":{"message_id":41,"chat":{"id":-100,"type":"group","title":"PKB"},"from":{"id":5,"first_name":"B"},"text":"obrolan biasa"}}`,
	`{"update_id":33,"message":{"message_id":42,"chat":{"id":-100,"type":"group","title":"PKB"},"from":{"id":77,"is_bot":true,"first_name":"Bot"},"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
	`{"update_id":34,"channel_post":{"message_id":43,"chat":{"id":-200,"type":"channel"},"text":"pengumuman"}}`,
	`{"update_id":35,"edited_channel_post":{"message_id":43,"chat":{"id":-200,"type":"channel"},"text":"pengumuman"}}`,
	// Edits.
	`{"update_id":36,"edited_message":{"message_id":44,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B","language_code":"en"},"text":"ubah","edit_date":2}}`,
	`{"update_id":37,"edited_message":{"message_id":45,"chat":{"id":-100,"type":"group"},"from":{"id":5,"first_name":"B"},"text":"ubah"}}`,
	`{"update_id":38,"edited_message":{"message_id":46,"from":{"id":5,"first_name":"B"},"text":"ubah"}}`,
	`{"update_id":39,"edited_message":{"message_id":47,"chat":{"id":5,"type":"private"},"text":"ubah"}}`,
	// Callbacks: on the tapper's own message, on a message elsewhere, on an
	// inline message, without a sender.
	`{"update_id":40,"callback_query":{"id":"cb1","from":{"id":5,"first_name":"B","language_code":"id"},"message":{"message_id":48,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":1,"is_bot":true,"first_name":"KB"},"text":"Menu","reply_markup":{"inline_keyboard":[[{"text":"❓ Bantuan","callback_data":"m:help"}]]}},"chat_instance":"ci","data":"m:help"}}`,
	`{"update_id":41,"callback_query":{"id":"cb2","from":{"id":5,"first_name":"B"},"message":{"message_id":49,"chat":{"id":-100,"type":"group"},"text":"x"},"chat_instance":"ci","data":"forged:data"}}`,
	`{"update_id":42,"callback_query":{"id":"cb3","from":{"id":5,"first_name":"B"},"inline_message_id":"im","chat_instance":"ci","data":"x"}}`,
	`{"update_id":43,"callback_query":{"id":"cb4","message":{"message_id":50,"chat":{"id":5,"type":"private"}},"data":"x"}}`,
	`{"update_id":44,"callback_query":{"id":"cb5","from":{"id":5,"first_name":"B"},"message":{"message_id":51,"date":0,"chat":{"id":5,"type":"private"}},"chat_instance":"ci"}}`,
	// Membership: blocked, left, unblocked, other statuses, groups.
	`{"update_id":45,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B","language_code":"id"},"date":1,"old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"KB"},"status":"member"},"new_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"KB"},"status":"kicked","until_date":0}}}`,
	`{"update_id":46,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"left"}}}`,
	`{"update_id":47,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"date":1,"old_chat_member":{"status":"kicked"},"new_chat_member":{"status":"member"}}}`,
	`{"update_id":48,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"restricted"}}}`,
	`{"update_id":49,"my_chat_member":{"chat":{"id":-100,"type":"group"},"from":{"id":5,"first_name":"B"},"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`,
	`{"update_id":50,"chat_member":{"chat":{"id":-100,"type":"group"},"from":{"id":5,"first_name":"B"},"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"left"}}}`,
	// Kinds kbbot does not ask for, and nothing at all.
	`{"update_id":51,"inline_query":{"id":"iq","from":{"id":5,"first_name":"B"},"query":"kb","offset":""}}`,
	`{"update_id":52,"poll":{"id":"p","question":"?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}`,
	`{"update_id":53}`,
	// Two kinds at once: the first in ToEvent's order wins.
	`{"update_id":54,"edited_message":{"message_id":52,"chat":{"id":5,"type":"private"},"text":"a"},"callback_query":{"id":"cb6","from":{"id":5,"first_name":"B"},"data":"x"}}`,
	// Keys in another case, as encoding/json matches them.
	`{"update_id":55,"Message":{"Message_ID":53,"CHAT":{"ID":5,"Type":"private"},"From":{"Id":5,"First_Name":"B"},"Text":"huruf besar"}}`,
}

// TestSlimUpdatesGiveTheSameEvents: every update of the corpus gives the
// same event, or none, decoded into the wire types, through ToEvent, and
// through the code of before.
func TestSlimUpdatesGiveTheSameEvents(t *testing.T) {
	for _, bot := range []string{"kbbot_bot", ""} {
		for i, raw := range updateCorpus {
			var full tgbotapi.Update
			if err := json.Unmarshal([]byte(raw), &full); err != nil {
				t.Fatalf("update %d: tgbotapi: %v", i, err)
			}
			want, wantOK, panicked := catch(func() (kbbot.Event, bool) { return oldToEvent(full, bot) })
			if panicked != "" {
				// A command entity longer than its text: the library's
				// CommandArguments panicked; now the command has no
				// arguments.
				want, wantOK = kbbot.Event{UpdateID: int64(full.UpdateID), Kind: kbbot.EventCommand, ChatID: 5, UserID: 5,
					FirstName: "B"}, true
			}
			var slim wireUpdate
			if err := json.Unmarshal([]byte(raw), &slim); err != nil {
				t.Fatalf("update %d: wire: %v", i, err)
			}
			if got, ok := slim.event(bot); ok != wantOK || got != want {
				t.Errorf("update %d (bot %q): wire types give %v %+v, want %v %+v", i, bot, ok, got, wantOK, want)
			}
			if got, ok := ToEvent(full, bot); ok != wantOK || got != want {
				t.Errorf("update %d (bot %q): ToEvent gives %v %+v, want %v %+v", i, bot, ok, got, wantOK, want)
			}
		}
	}
}

// TestSlimUpdatesBatch: a getUpdates result decodes as a whole, and a
// malformed one fails as it did.
func TestSlimUpdatesBatch(t *testing.T) {
	batch := "[" + strings.Join(updateCorpus, ",") + "]"
	var full []tgbotapi.Update
	if err := json.Unmarshal([]byte(batch), &full); err != nil {
		t.Fatal(err)
	}
	var slim []wireUpdate
	if err := json.Unmarshal([]byte(batch), &slim); err != nil {
		t.Fatal(err)
	}
	if len(slim) != len(full) {
		t.Fatalf("%d updates, want %d", len(slim), len(full))
	}
	kinds := map[kbbot.EventKind]int{}
	for i := range full {
		want, wantOK, panicked := catch(func() (kbbot.Event, bool) { return oldToEvent(full[i], "kbbot_bot") })
		if panicked != "" {
			continue // TestSlimUpdatesGiveTheSameEvents
		}
		got, ok := slim[i].event("kbbot_bot")
		if ok != wantOK || got != want || slim[i].UpdateID != full[i].UpdateID {
			t.Errorf("update %d: got %v %+v, want %v %+v", i, ok, got, wantOK, want)
		}
		if ok {
			kinds[got.Kind]++
		}
	}
	// The corpus covers every kind of event.
	for _, k := range []kbbot.EventKind{kbbot.EventText, kbbot.EventCommand, kbbot.EventCallback, kbbot.EventLocation,
		kbbot.EventContact, kbbot.EventMedia, kbbot.EventEdited, kbbot.EventBlocked, kbbot.EventUnblocked, kbbot.EventGroup} {
		if kinds[k] == 0 {
			t.Errorf("the corpus has no update giving %v", k)
		}
	}
	for _, bad := range []string{`[{"update_id":"x"}]`, `[{"update_id":1,"message":{"chat":{"id":"5"}}}]`, `{"update_id":1}`, `[{"update_id":1,`} {
		var f []tgbotapi.Update
		var s []wireUpdate
		if errF, errS := json.Unmarshal([]byte(bad), &f), json.Unmarshal([]byte(bad), &s); (errF == nil) != (errS == nil) {
			t.Errorf("%s: tgbotapi says %v, the wire types %v", bad, errF, errS)
		}
	}
}

// FuzzSlimUpdates: any update that decodes into tgbotapi.Update gives the
// same event through the wire types.
func FuzzSlimUpdates(f *testing.F) {
	for _, raw := range updateCorpus {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var full tgbotapi.Update
		if json.Unmarshal([]byte(raw), &full) != nil {
			return
		}
		var slim wireUpdate
		if err := json.Unmarshal([]byte(raw), &slim); err != nil {
			t.Fatalf("tgbotapi decodes %s, the wire types do not: %v", raw, err)
		}
		want, wantOK, wantPanic := catch(func() (kbbot.Event, bool) { return oldToEvent(full, "kbbot_bot") })
		got, ok, gotPanic := catch(func() (kbbot.Event, bool) { return slim.event("kbbot_bot") })
		if gotPanic != "" {
			t.Fatalf("%s: the wire types panic: %s", raw, gotPanic)
		}
		if wantPanic != "" {
			return // the library's CommandArguments: see commandArguments
		}
		if ok != wantOK || got != want {
			t.Fatalf("%s: got %v %+v, want %v %+v", raw, ok, got, wantOK, want)
		}
	})
}

func catch(f func() (kbbot.Event, bool)) (ev kbbot.Event, ok bool, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprint(r)
		}
	}()
	ev, ok = f()
	return ev, ok, ""
}

// The code of before (bot/updates.go at 7a4deb5), the oracle.

func oldToEvent(u tgbotapi.Update, botUsername string) (kbbot.Event, bool) {
	ev := kbbot.Event{UpdateID: int64(u.UpdateID)}
	switch {
	case u.Message != nil:
		return oldMessageEvent(ev, u.Message, botUsername)
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if m.Chat == nil || !m.Chat.IsPrivate() {
			return ev, false
		}
		ev.Kind, ev.ChatID = kbbot.EventEdited, kbbot.ChatID(m.Chat.ID)
		oldFillFrom(&ev, m.From)
		return ev, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if q.From == nil {
			return ev, false
		}
		ev.Kind = kbbot.EventCallback
		ev.CallbackID, ev.Data = q.ID, q.Data
		// The tapper is who the tap acts for: a button never acts for the
		// chat it was forwarded from or for anyone named in its data.
		ev.ChatID = kbbot.ChatID(q.From.ID)
		if q.Message != nil && q.Message.Chat != nil && q.Message.Chat.ID == q.From.ID {
			ev.MessageID = q.Message.MessageID
		}
		oldFillFrom(&ev, q.From)
		return ev, true
	case u.MyChatMember != nil:
		m := u.MyChatMember
		if !m.Chat.IsPrivate() {
			return ev, false
		}
		ev.ChatID = kbbot.ChatID(m.Chat.ID)
		oldFillFrom(&ev, &m.From)
		switch m.NewChatMember.Status {
		case "kicked", "left":
			ev.Kind = kbbot.EventBlocked
		case "member":
			ev.Kind = kbbot.EventUnblocked
		default:
			return ev, false
		}
		return ev, true
	}
	return ev, false
}

func oldFillFrom(ev *kbbot.Event, u *tgbotapi.User) {
	if u == nil {
		return
	}
	ev.UserID, ev.LanguageCode, ev.FirstName = u.ID, u.LanguageCode, u.FirstName
}

func oldMessageEvent(ev kbbot.Event, m *tgbotapi.Message, botUsername string) (kbbot.Event, bool) {
	if m.Chat == nil {
		return ev, false
	}
	ev.ChatID = kbbot.ChatID(m.Chat.ID)
	oldFillFrom(&ev, m.From)
	switch {
	case m.Chat.IsChannel():
		return ev, false
	case !m.Chat.IsPrivate():
		// Groups: answer only what is addressed to us (commands, mentions).
		if m.IsCommand() || (botUsername != "" && strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(botUsername))) {
			ev.Kind = kbbot.EventGroup
			return ev, true
		}
		return ev, false
	case m.From != nil && m.From.IsBot:
		return ev, false
	}
	switch {
	case m.IsCommand():
		ev.Kind = kbbot.EventCommand
		ev.Command = strings.ToLower(oldCommandName(m))
		ev.Args = strings.TrimSpace(m.CommandArguments())
	case m.Location != nil:
		ev.Kind, ev.Lat, ev.Lon = kbbot.EventLocation, m.Location.Latitude, m.Location.Longitude
	case m.Contact != nil:
		ev.Kind, ev.Phone = kbbot.EventContact, m.Contact.PhoneNumber
		ev.OwnPhone = m.From != nil && m.Contact.UserID == m.From.ID
	case m.Text != "":
		ev.Kind, ev.Text = kbbot.EventText, m.Text
	default:
		ev.Kind, ev.Media = kbbot.EventMedia, oldMediaKind(m)
		if n := len(m.Photo); n > 0 {
			ev.FileID, ev.Caption = m.Photo[n-1].FileID, m.Caption
		}
		if d := m.Document; d != nil {
			ev.FileID, ev.FileName, ev.FileSize, ev.Caption = d.FileID, d.FileName, int64(d.FileSize), m.Caption
		}
	}
	return ev, true
}

// commandName returns the command without "/" and without an "@bot" suffix,
// reading the entity by UTF-16 offsets as Telegram counts them.
func oldCommandName(m *tgbotapi.Message) string {
	e := m.Entities[0]
	u := utf16.Encode([]rune(m.Text))
	if e.Offset+e.Length > len(u) || e.Length < 1 {
		return ""
	}
	cmd := string(utf16.Decode(u[e.Offset+1 : e.Offset+e.Length]))
	if i := strings.IndexByte(cmd, '@'); i >= 0 {
		cmd = cmd[:i]
	}
	return cmd
}

func oldMediaKind(m *tgbotapi.Message) string {
	switch {
	case m.Sticker != nil:
		return "sticker"
	case m.Photo != nil:
		return "photo"
	case m.Voice != nil, m.Audio != nil:
		return "voice"
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		return "video"
	case m.Document != nil:
		return "document"
	}
	return "other"
}
