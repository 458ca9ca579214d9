package conversations

import "github.com/kbbot/kbbot"

// eraseFlow is /hapusdata: one question, then everything held about the
// resident is deleted (Result.Erase) or kept. Buttons: erase:<yes|no>:<nonce>.
type eraseFlow struct{}

const stepEraseConfirm = "confirm"

func (eraseFlow) Name() string       { return flowErase }
func (eraseFlow) Commands() []string { return []string{"hapusdata", "deletedata"} }

// Start asks to confirm.
func (eraseFlow) Start(st *step, _ string) { st.askErase() }

func (eraseFlow) Routes() []Route {
	confirm := []string{stepEraseConfirm}
	return []Route{
		{Op: "yes", Steps: confirm, Do: func(st *step, _ []string) {
			st.wipe = true
			st.show(st.t("erase_done"), nil)
		}},
		{Op: "no", Steps: confirm, Do: func(st *step, _ []string) {
			st.s.resetFlow()
			st.show(st.t("erase_kept")+"\n\n"+st.t("menu_title"), st.menuButtons())
		}},
	}
}

// Text: typed text while the question stands is not an answer.
func (eraseFlow) Text(st *step, _ string) bool {
	st.send(st.t("erase_use_buttons"), nil)
	return true
}

func (st *step) askErase() {
	st.enter(eraseFlow{}, stepEraseConfirm)
	st.send(st.t("erase_confirm"), [][]kbbot.Button{
		{st.flowButton(st.t("btn_erase_yes"), "yes")},
		{st.flowButton(st.t("btn_erase_no"), "no")},
	})
}
