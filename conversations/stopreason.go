package conversations

import (
	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/resident"
)

// stopReasonFlow asks, after /berhenti, why the resident stops: one
// optional tap (sudah hamil, sudah ber-KB di tempat lain, ingin punya anak,
// tidak perlu, lainnya). The reason goes on the resident record, for the
// kader's follow-up; skipping it, or doing anything else, leaves it
// unspecified. Buttons: why:pick:<reason>:<nonce>, why:skip:<nonce>.
type stopReasonFlow struct{}

const stepWhyAsk = "ask"

func (stopReasonFlow) Name() string       { return "why" }
func (stopReasonFlow) Commands() []string { return nil }

// Start asks the question; only a resident with consent is asked (the
// reason is personal data).
func (f stopReasonFlow) Start(st *step, _ string) {
	if !st.r.Consented() {
		st.menu()
		return
	}
	st.enter(f, stepWhyAsk)
	rows := make([][]kbbot.Button, 0, len(resident.StopReasons)+1)
	for _, r := range resident.StopReasons {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("why_"+r), "pick", r)})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_why_skip"), "skip")})
	st.send(st.t("why_ask"), rows)
}

func (stopReasonFlow) Routes() []Route {
	return []Route{
		{Op: "pick", Args: 1, Steps: []string{stepWhyAsk}, Consent: true, Do: func(st *step, args []string) {
			if !resident.ValidStopReason(args[0]) {
				st.expired()
				return
			}
			st.r.StopReason = args[0]
			st.s.resetFlow()
			st.toast(st.t("why_thanks"))
			st.show(st.t("why_thanks")+"\n\n"+st.t("menu_title"), st.menuButtons())
		}},
		{Op: "skip", Steps: []string{stepWhyAsk}, Do: func(st *step, _ []string) {
			st.s.resetFlow()
			st.show(st.t("menu_title"), st.menuButtons())
		}},
	}
}

// Text: a typed answer is not a reason; the question stays, and the text
// goes to the search as anywhere else.
func (stopReasonFlow) Text(*step, string) bool { return false }

// askStopReason opens the stop-reason flow.
func (st *step) askStopReason() { stopReasonFlow{}.Start(st, "") }
