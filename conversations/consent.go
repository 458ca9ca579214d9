package conversations

import (
	"strings"

	"github.com/kbbot/kbbot"
)

// consentFlow asks for consent under the privacy notice: at /start, before
// a flow that stores personal data (which then goes on after a yes), and
// again after the notice changed. Buttons: consent:<yes|no|info>:<nonce>,
// and the language switch of the menu.
type consentFlow struct{}

const stepConsentAsk = "ask"

// consentState is the flow a resident was heading to when consent was
// asked ("<flow>" or "<flow>:<args>"); it starts after a yes.
type consentState struct {
	Next string `json:"next,omitempty"`
}

func (consentFlow) Name() string       { return flowConsent }
func (consentFlow) Commands() []string { return nil }

// Start asks for consent.
func (consentFlow) Start(st *step, _ string) { st.askConsent() }

func (consentFlow) Routes() []Route {
	ask := []string{stepConsentAsk}
	return []Route{
		{Op: "yes", Steps: ask, Do: func(st *step, _ []string) { st.consentYes() }},
		{Op: "no", Steps: ask, Do: func(st *step, _ []string) { st.consentNo() }},
		{Op: "info", Steps: ask, Do: func(st *step, _ []string) {
			st.show(st.privacyNotice(), [][]kbbot.Button{
				{st.flowButton(st.t("btn_consent_yes"), "yes")},
				{st.flowButton(st.t("btn_consent_no"), "no")},
			})
		}},
	}
}

// Text: typed text while consent is asked gets the question's buttons again.
func (consentFlow) Text(st *step, _ string) bool {
	st.send(st.t("consent_use_buttons"), st.consentButtons())
	return true
}

func (st *step) askConsent() {
	st.enter(consentFlow{}, stepConsentAsk)
	st.send(st.notice("consent_ask"), append(st.consentButtons(),
		[]kbbot.Button{st.langButton(st.other("btn_switch_lang"), st.otherLang())}))
}

func (st *step) consentButtons() [][]kbbot.Button {
	return [][]kbbot.Button{
		{st.flowButton(st.t("btn_consent_yes"), "yes")},
		{st.flowButton(st.t("btn_consent_no"), "no")},
		{st.flowButton(st.t("btn_privacy_full"), "info")},
	}
}

// needConsent explains that what the resident asked for stores personal
// data and asks for consent; after a yes the flow next ("<flow>" or
// "<flow>:<args>") starts.
func (st *step) needConsent(next string) {
	st.inPlace = false
	key := "consent_needed"
	if flow, _, _ := strings.Cut(next, ":"); st.e.lib.UI.Has("consent_needed_" + flow) {
		key = "consent_needed_" + flow // why this flow needs the data
	}
	st.send(st.t(key), nil)
	st.askConsent()
	saveState(st, consentState{Next: next})
}

func (st *step) consentYes() {
	st.r.Consent, st.r.ConsentAt, st.r.NoticeVersion = ConsentGiven, st.now.UTC(), NoticeVersion
	var cs consentState
	loadState(st, &cs)
	next := cs.Next
	st.s.resetFlow()
	st.toast(st.t("consent_thanks_toast"))
	if next != "" {
		st.show(st.t("consent_given"), nil)
		st.inPlace = false
		flow, args, _ := strings.Cut(next, ":")
		st.open(flow, args)
		return
	}
	if st.s.StartPayload != "" {
		st.show(st.t("consent_given"), nil)
		st.inPlace = false
		if st.deepLink() {
			return
		}
	}
	st.menuAskingSapaan(st.t("consent_given"))
}

func (st *step) consentNo() {
	if st.r.Personal() {
		// Saying no to a changed notice withdraws the consent given
		// before: that is /hapusdata, confirmed first.
		st.inPlace = false
		st.askErase()
		return
	}
	st.r.Consent, st.r.ConsentAt, st.r.NoticeVersion = ConsentDeclined, st.now.UTC(), NoticeVersion
	st.s.resetFlow()
	st.menuAskingSapaan(st.t("consent_declined"))
}
