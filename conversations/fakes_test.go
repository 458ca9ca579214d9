package conversations_test

import (
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
)

// The fakes of internal/fakes are the dialog's store interfaces. They are
// checked here, not in package fakes, which cannot import conversations:
// the package's internal tests may import fakes.
var (
	_ conversations.ReminderStore  = (*fakes.Reminders)(nil)
	_ conversations.StaffStore     = (*fakes.Staff)(nil)
	_ conversations.RoleStore      = (*fakes.Staff)(nil)
	_ cadre.Auditor                = (*fakes.Staff)(nil)
	_ conversations.BroadcastStore = (*fakes.Broadcasts)(nil)
)

// dialogRefusals makes a fake staff store refuse codes with the dialog's
// errors, as app's adapter does for the Redis store.
var dialogRefusals = fakes.Refusals{
	Unknown: conversations.ErrInviteUnknown,
	Used:    conversations.ErrInviteUsed,
	Expired: conversations.ErrInviteExpired,
	Tries:   conversations.ErrInviteTries,
	Own:     conversations.ErrInviteOwn,
}
