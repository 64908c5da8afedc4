// i18n.js - every string the pages show, in English and Romanian, and the
// choice between them.
//
// The language comes from a choice saved in localStorage ("garant.lang"),
// else from the first of navigator.languages that we speak, else English.
// t(key, vars) looks a string up and fills {name} placeholders; a key
// missing in Romanian falls back to English, a key missing everywhere shows
// itself (so a typo is visible, never blank). Static markup carries its key
// in data-i18n (text), data-i18n-attr ("placeholder:key;aria-label:key")
// and applyI18n() fills them; dynamic parts re-render on the
// "garant:language" event that setLanguage() dispatches on window.
// Texts from the server (error messages, policy definitions, the deadline
// explanation) are shown as the server wrote them.

const STRINGS = {
  en: {
    'app.name': 'garant support',
    'skip': 'Skip to content',
    'nav.label': 'Main',
    'nav.home': 'Support center',
    'nav.new': 'New ticket',
    'nav.tickets': 'My tickets',
    'nav.login': 'Log in',
    'nav.signup': 'Sign up',
    'nav.logout': 'Log out',
    'nav.signedInAs': 'Signed in as {name}',
    'nav.language': 'Language',
    'common.loading': 'Loading…',
    'common.error': 'Something went wrong: {message}',
    'common.network': 'The server cannot be reached. Check your connection and try again.',
    'common.required': '(required)',
    'common.optional': '(optional)',
    'common.none': '—',
    'common.staffOnly': 'This page is for customers. Support staff answer tickets in the agent workspace.',
    'footer.text': 'garant: guaranteed first-response times.',

    'index.title': 'Support center',
    'index.lead': 'File a ticket and we answer within the response time your plan guarantees.',
    'index.hello': 'Hello, {name}.',
    'index.plan': '{org} is on the {plan} plan.',
    'index.newTitle': 'File a ticket',
    'index.newText': 'Tell us what is wrong. Before you send it, the form shows when we will answer.',
    'index.ticketsTitle': 'My tickets',
    'index.ticketsText': 'Status, deadlines and the conversation of your organization’s tickets.',
    'index.signupTitle': 'New here?',
    'index.signupText': 'Sign up with your company e-mail address.',
    'index.loginTitle': 'Have an account?',
    'index.loginText': 'Log in to file and follow tickets.',

    'field.name': 'Your name',
    'field.email': 'Company e-mail',
    'field.emailLogin': 'E-mail',
    'field.emailHint': 'Free mail providers such as Gmail are not accepted: your company’s domain decides which tickets you see.',
    'field.password': 'Password',
    'field.passwordHint': 'At least 10 characters.',
    'field.newPassword': 'New password',
    'field.subject': 'Subject',
    'field.body': 'Description',
    'field.bodyHint': 'What happened, what you expected, and how to reproduce it.',
    'field.product': 'Product',
    'field.productNone': 'Not about a specific product',
    'field.productStage': '{name} ({stage}: no guaranteed response time)',
    'field.environment': 'Environment',
    'field.priority': 'Business impact (priority)',
    'field.priorityHint': 'How badly is your business affected? P3 fits most questions.',
    'field.impact': 'Who and what is affected',
    'field.impactHint': 'For example: all users of the EU shop cannot pay.',
    'field.requiredEmpty': 'Fill in this field.',
    'field.passwordShort': 'The password needs at least 10 characters.',
    'field.emailBad': 'Enter an e-mail address such as ana@company.com.',

    'signup.title': 'Sign up',
    'signup.lead': 'Create an account for your company’s support.',
    'signup.submit': 'Sign up',
    'signup.sending': 'Signing up…',
    'signup.sent': 'Check your mailbox: we sent a link to {email}. Open it within 24 hours to confirm the address, then log in.',
    'signup.haveAccount': 'Already have an account?',

    'verify.title': 'Confirm your e-mail address',
    'verify.working': 'Confirming your address…',
    'verify.done': 'Your address {email} is confirmed. You can log in now.',
    'verify.noToken': 'This page needs the link from the confirmation e-mail. Open the link in the mail we sent you.',
    'verify.login': 'Log in',

    'login.title': 'Log in',
    'login.submit': 'Log in',
    'login.sending': 'Logging in…',
    'login.noAccount': 'No account yet?',
    'login.forgot': 'Forgot your password?',
    'login.loggedOut': 'You are logged out.',

    'forgot.title': 'Reset your password',
    'forgot.lead': 'We will mail you a link to choose a new password.',
    'forgot.submit': 'Mail me the link',
    'forgot.sent': 'If this address has an account, a link to reset its password is on its way.',
    'reset.title': 'Choose a new password',
    'reset.submit': 'Save the password',
    'reset.done': 'Your password is changed, and every other session is logged out. Log in with the new password.',

    'new.title': 'New ticket',
    'new.lead': 'Describe the problem and choose its impact on your business as the priority.',
    'new.submit': 'Send the ticket',
    'new.sending': 'Sending…',
    'new.envNotAllowed': 'P{level} ({name}) is for {allowed} only, so it cannot be chosen for a {env} environment. Choose {suggest}, or change the environment if production is affected.',
    'new.yourTarget': 'Your plan: first response within {target}.',
    'new.yourNoTarget': 'Your plan: no guaranteed response time.',
    'new.policyDefinition': 'Definition: {text}',
    'promise.title': 'When we will answer',
    'promise.loading': 'Working out the response time…',
    'promise.by': 'We will answer by {when}.',
    'promise.yourTime': 'That is {when} in your time zone.',
    'promise.target': 'Your {plan} plan guarantees a first response within {target}.',
    'promise.nonePlan': 'Your {plan} plan carries no guaranteed response time for P{level}. We answer as soon as we can.',
    'promise.noneStage': '{product} is a {stage} product: tickets about it carry no guaranteed response time. We answer as soon as we can.',
    'promise.blocked': 'Choose a priority allowed for this environment to see the response time.',
    'promise.error': 'The response time cannot be shown: {message}',
    'target.business': '{d} of business hours',
    'target.wall': '{d}, around the clock',

    'env.production': 'Production',
    'env.staging': 'Staging',
    'env.development': 'Development',
    'envl.production': 'production',
    'envl.staging': 'staging',
    'envl.development': 'development',
    'list.or': '{a} or {b}',
    'list.and': '{a} and {b}',
    'stage.beta': 'beta',
    'stage.preview': 'preview',
    'stage.ga': 'generally available',

    'plan.basic': 'Basic',
    'plan.professional': 'Professional',
    'plan.advanced': 'Advanced',

    'tickets.title': 'My tickets',
    'tickets.lead': 'Tickets of {org}. Deadlines are shown in your time zone and in CET, the time of our support team.',
    'tickets.leadNoOrg': 'Deadlines are shown in your time zone and in CET, the time of our support team.',
    'tickets.empty': 'No tickets yet.',
    'tickets.fileOne': 'File a ticket',
    'tickets.more': 'Show more',
    'tickets.caption': 'Tickets, newest first',
    'col.id': 'Ticket',
    'col.subject': 'Subject',
    'col.status': 'Status',
    'col.priority': 'Priority',
    'col.due': 'Answer due',
    'col.left': 'Time left',
    'col.sla': 'Response',

    'status.open': 'Open',
    'status.pending': 'Pending',
    'status.solved': 'Solved',
    'status.closed': 'Closed',
    'sla.active': 'On track',
    'sla.warning': 'Due soon',
    'sla.breached': 'Overdue',
    'sla.breachedAnswered': 'Answered late',
    'sla.met': 'Answered in time',
    'sla.none': 'No guarantee',
    'prio.label': 'P{level} · {name}',

    'countdown.left': '{d} left',
    'countdown.over': 'overdue by {d}',
    'countdown.answered': 'Answered {when}',
    'countdown.none': 'No guaranteed time',
    'dur.d': '{n} d',
    'dur.h': '{n} h',
    'dur.min': '{n} min',
    'dur.s': '{n} s',
    'zone.yours': 'your time',

    'ticket.back': 'All tickets',
    'ticket.title': 'Ticket #{id}',
    'ticket.notFound': 'Ticket not found. It does not exist, or it belongs to another organization.',
    'ticket.badId': 'This address names no ticket.',
    'ticket.created': 'Thank you: ticket #{id} is filed.',
    'ticket.status': 'Status',
    'ticket.priority': 'Priority',
    'ticket.product': 'Product',
    'ticket.environment': 'Environment',
    'ticket.submitted': 'Submitted',
    'ticket.requester': 'Filed by',
    'ticket.due': 'Answer due',
    'ticket.left': 'Time left',
    'ticket.sla': 'Response',
    'ticket.explanation': 'How the deadline is counted',
    'ticket.impact': 'Impact',
    'ticket.description': 'Description',
    'ticket.conversation': 'Conversation',
    'ticket.noReplies': 'No replies yet.',
    'ticket.support': 'Support',
    'ticket.reply': 'Your reply',
    'ticket.send': 'Send the reply',
    'ticket.sending': 'Sending…',
    'ticket.sent': 'Reply sent.',
    'ticket.history': 'History',

    'ev.by': 'by {name}',
    'ev.system': 'garant',
    'ev.created': 'Filed as {prio}, {env}.',
    'ev.createdDue': 'Answer due {due}.',
    'ev.createdNoDue': 'No guaranteed response time.',
    'ev.priority_changed': 'Priority changed from {from} to {to}.',
    'ev.reason': 'Reason: {reason}',
    'ev.newDue': 'New deadline: {due}.',
    'ev.oldDue': 'Before: {old}.',
    'ev.status_changed': 'Status changed from {from} to {to}.',
    'ev.replied': 'Replied.',
    'ev.first_response': 'First response, in time.',
    'ev.first_responseLate': 'First response, after the deadline.',
    'ev.first_responseNone': 'First response.',
    'ev.deadline_recomputed': 'Deadline recomputed ({reason}).',
    'ev.sla_warning': 'The deadline is near.',
    'ev.sla_breach': 'The deadline passed without a response.',
    'ev.other': '{kind}',
  },
  ro: {
    'app.name': 'Asistență garant',
    'skip': 'Salt la conținut',
    'nav.label': 'Principal',
    'nav.home': 'Centrul de asistență',
    'nav.new': 'Tichet nou',
    'nav.tickets': 'Tichetele mele',
    'nav.login': 'Autentificare',
    'nav.signup': 'Creare cont',
    'nav.logout': 'Deconectare',
    'nav.signedInAs': 'Conectat ca {name}',
    'nav.language': 'Limba',
    'common.loading': 'Se încarcă…',
    'common.error': 'Ceva nu a mers: {message}',
    'common.network': 'Serverul nu poate fi contactat. Verificați conexiunea și încercați din nou.',
    'common.required': '(obligatoriu)',
    'common.optional': '(opțional)',
    'common.none': '—',
    'common.staffOnly': 'Această pagină este pentru clienți. Echipa de asistență răspunde la tichete în spațiul agenților.',
    'footer.text': 'garant: timpi garantați pentru primul răspuns.',

    'index.title': 'Centrul de asistență',
    'index.lead': 'Deschideți un tichet și vă răspundem în timpul garantat de planul dumneavoastră.',
    'index.hello': 'Bună ziua, {name}.',
    'index.plan': '{org} are planul {plan}.',
    'index.newTitle': 'Deschideți un tichet',
    'index.newText': 'Spuneți-ne ce nu funcționează. Înainte de trimitere, formularul arată când vă vom răspunde.',
    'index.ticketsTitle': 'Tichetele mele',
    'index.ticketsText': 'Starea, termenele și conversația tichetelor organizației dumneavoastră.',
    'index.signupTitle': 'Sunteți nou aici?',
    'index.signupText': 'Creați un cont cu adresa de e-mail a companiei.',
    'index.loginTitle': 'Aveți deja cont?',
    'index.loginText': 'Autentificați-vă pentru a deschide și urmări tichete.',

    'field.name': 'Numele dumneavoastră',
    'field.email': 'E-mail de serviciu',
    'field.emailLogin': 'E-mail',
    'field.emailHint': 'Adresele de la furnizori gratuiți, precum Gmail, nu sunt acceptate: domeniul companiei decide ce tichete vedeți.',
    'field.password': 'Parolă',
    'field.passwordHint': 'Cel puțin 10 caractere.',
    'field.newPassword': 'Parola nouă',
    'field.subject': 'Subiect',
    'field.body': 'Descriere',
    'field.bodyHint': 'Ce s-a întâmplat, ce vă așteptați să se întâmple și cum se poate reproduce.',
    'field.product': 'Produs',
    'field.productNone': 'Fără un produs anume',
    'field.productStage': '{name} ({stage}: fără timp de răspuns garantat)',
    'field.environment': 'Mediu',
    'field.priority': 'Impactul asupra afacerii (prioritate)',
    'field.priorityHint': 'Cât de grav este afectată afacerea? P3 se potrivește majorității întrebărilor.',
    'field.impact': 'Cine și ce este afectat',
    'field.impactHint': 'De exemplu: niciun utilizator al magazinului UE nu poate plăti.',
    'field.requiredEmpty': 'Completați acest câmp.',
    'field.passwordShort': 'Parola trebuie să aibă cel puțin 10 caractere.',
    'field.emailBad': 'Introduceți o adresă de e-mail, de exemplu ana@companie.ro.',

    'signup.title': 'Creare cont',
    'signup.lead': 'Creați un cont pentru asistența companiei dumneavoastră.',
    'signup.submit': 'Creează contul',
    'signup.sending': 'Se creează contul…',
    'signup.sent': 'Verificați căsuța de e-mail: am trimis un link la {email}. Deschideți-l în 24 de ore pentru a confirma adresa, apoi autentificați-vă.',
    'signup.haveAccount': 'Aveți deja cont?',

    'verify.title': 'Confirmarea adresei de e-mail',
    'verify.working': 'Se confirmă adresa…',
    'verify.done': 'Adresa {email} este confirmată. Vă puteți autentifica acum.',
    'verify.noToken': 'Această pagină are nevoie de linkul din e-mailul de confirmare. Deschideți linkul din mesajul trimis.',
    'verify.login': 'Autentificare',

    'login.title': 'Autentificare',
    'login.submit': 'Autentificare',
    'login.sending': 'Se verifică…',
    'login.noAccount': 'Nu aveți cont?',
    'login.forgot': 'Ați uitat parola?',
    'login.loggedOut': 'V-ați deconectat.',

    'forgot.title': 'Resetarea parolei',
    'forgot.lead': 'Vă trimitem prin e-mail un link pentru a alege o parolă nouă.',
    'forgot.submit': 'Trimite linkul',
    'forgot.sent': 'Dacă această adresă are un cont, linkul de resetare a parolei este pe drum.',
    'reset.title': 'Alegeți o parolă nouă',
    'reset.submit': 'Salvează parola',
    'reset.done': 'Parola a fost schimbată, iar celelalte sesiuni au fost închise. Autentificați-vă cu parola nouă.',

    'new.title': 'Tichet nou',
    'new.lead': 'Descrieți problema și alegeți ca prioritate impactul asupra afacerii.',
    'new.submit': 'Trimite tichetul',
    'new.sending': 'Se trimite…',
    'new.envNotAllowed': 'P{level} ({name}) este doar pentru {allowed}, deci nu poate fi aleasă pentru un mediu de {env}. Alegeți {suggest} sau schimbați mediul dacă producția este afectată.',
    'new.yourTarget': 'Planul dumneavoastră: primul răspuns în {target}.',
    'new.yourNoTarget': 'Planul dumneavoastră: fără timp de răspuns garantat.',
    'new.policyDefinition': 'Definiție: {text}',
    'promise.title': 'Când vă vom răspunde',
    'promise.loading': 'Se calculează timpul de răspuns…',
    'promise.by': 'Vă vom răspunde până {when}.',
    'promise.yourTime': 'Adică {when} în fusul dumneavoastră orar.',
    'promise.target': 'Planul {plan} garantează primul răspuns în {target}.',
    'promise.nonePlan': 'Planul {plan} nu garantează un timp de răspuns pentru P{level}. Vă răspundem cât mai curând.',
    'promise.noneStage': '{product} este un produs în stadiul {stage}: tichetele despre el nu au timp de răspuns garantat. Vă răspundem cât mai curând.',
    'promise.blocked': 'Alegeți o prioritate permisă pentru acest mediu pentru a vedea timpul de răspuns.',
    'promise.error': 'Timpul de răspuns nu poate fi afișat: {message}',
    'target.business': '{d} din programul de lucru',
    'target.wall': '{d}, non-stop',

    'env.production': 'Producție',
    'env.staging': 'Testare (staging)',
    'env.development': 'Dezvoltare',
    'envl.production': 'producție',
    'envl.staging': 'testare',
    'envl.development': 'dezvoltare',
    'list.or': '{a} sau {b}',
    'list.and': '{a} și {b}',
    'stage.beta': 'beta',
    'stage.preview': 'previzualizare',
    'stage.ga': 'disponibil general',

    'plan.basic': 'Basic',
    'plan.professional': 'Professional',
    'plan.advanced': 'Advanced',

    'tickets.title': 'Tichetele mele',
    'tickets.lead': 'Tichetele organizației {org}. Termenele sunt afișate în fusul dumneavoastră orar și în ora CET a echipei de asistență.',
    'tickets.leadNoOrg': 'Termenele sunt afișate în fusul dumneavoastră orar și în ora CET a echipei de asistență.',
    'tickets.empty': 'Niciun tichet deocamdată.',
    'tickets.fileOne': 'Deschideți un tichet',
    'tickets.more': 'Arată mai multe',
    'tickets.caption': 'Tichete, cele mai noi primele',
    'col.id': 'Tichet',
    'col.subject': 'Subiect',
    'col.status': 'Stare',
    'col.priority': 'Prioritate',
    'col.due': 'Termen de răspuns',
    'col.left': 'Timp rămas',
    'col.sla': 'Răspuns',

    'status.open': 'Deschis',
    'status.pending': 'În așteptare',
    'status.solved': 'Rezolvat',
    'status.closed': 'Închis',
    'sla.active': 'În termen',
    'sla.warning': 'Termen apropiat',
    'sla.breached': 'Termen depășit',
    'sla.breachedAnswered': 'Răspuns cu întârziere',
    'sla.met': 'Răspuns la timp',
    'sla.none': 'Fără garanție',
    'prio.label': 'P{level} · {name}',

    'countdown.left': 'mai sunt {d}',
    'countdown.over': 'depășit cu {d}',
    'countdown.answered': 'Răspuns {when}',
    'countdown.none': 'Fără timp garantat',
    'dur.d': '{n} z',
    'dur.h': '{n} h',
    'dur.min': '{n} min',
    'dur.s': '{n} s',
    'zone.yours': 'ora dumneavoastră',

    'ticket.back': 'Toate tichetele',
    'ticket.title': 'Tichetul #{id}',
    'ticket.notFound': 'Tichetul nu a fost găsit. Nu există sau aparține altei organizații.',
    'ticket.badId': 'Această adresă nu indică niciun tichet.',
    'ticket.created': 'Mulțumim: tichetul #{id} a fost înregistrat.',
    'ticket.status': 'Stare',
    'ticket.priority': 'Prioritate',
    'ticket.product': 'Produs',
    'ticket.environment': 'Mediu',
    'ticket.submitted': 'Trimis',
    'ticket.requester': 'Deschis de',
    'ticket.due': 'Termen de răspuns',
    'ticket.left': 'Timp rămas',
    'ticket.sla': 'Răspuns',
    'ticket.explanation': 'Cum se calculează termenul',
    'ticket.impact': 'Impact',
    'ticket.description': 'Descriere',
    'ticket.conversation': 'Conversație',
    'ticket.noReplies': 'Niciun răspuns deocamdată.',
    'ticket.support': 'Asistență',
    'ticket.reply': 'Răspunsul dumneavoastră',
    'ticket.send': 'Trimite răspunsul',
    'ticket.sending': 'Se trimite…',
    'ticket.sent': 'Răspuns trimis.',
    'ticket.history': 'Istoric',

    'ev.by': 'de {name}',
    'ev.system': 'garant',
    'ev.created': 'Deschis ca {prio}, {env}.',
    'ev.createdDue': 'Termen de răspuns: {due}.',
    'ev.createdNoDue': 'Fără timp de răspuns garantat.',
    'ev.priority_changed': 'Prioritatea a fost schimbată din {from} în {to}.',
    'ev.reason': 'Motiv: {reason}',
    'ev.newDue': 'Termen nou: {due}.',
    'ev.oldDue': 'Înainte: {old}.',
    'ev.status_changed': 'Starea a fost schimbată din {from} în {to}.',
    'ev.replied': 'A răspuns.',
    'ev.first_response': 'Primul răspuns, la timp.',
    'ev.first_responseLate': 'Primul răspuns, după termen.',
    'ev.first_responseNone': 'Primul răspuns.',
    'ev.deadline_recomputed': 'Termen recalculat ({reason}).',
    'ev.sla_warning': 'Termenul se apropie.',
    'ev.sla_breach': 'Termenul a trecut fără răspuns.',
    'ev.other': '{kind}',
  },
};

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'ro', name: 'Română' },
];

const STORAGE_KEY = 'garant.lang';

function storedLanguage() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v && STRINGS[v] ? v : null;
  } catch {
    return null; // storage disabled: follow the browser
  }
}

function browserLanguage() {
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of prefs) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
}

let current = storedLanguage() || browserLanguage();

/** The chosen language code: "en" or "ro". */
export function language() {
  return current;
}

/** The BCP 47 locale for Intl: the browser's own variant of the chosen
 *  language when it has one (en-US keeps its 12-hour clock), else en-GB or
 *  ro-RO. */
export function locale() {
  const prefs = navigator.languages || [];
  for (const tag of prefs) if (String(tag).toLowerCase().startsWith(current + '-')) return tag;
  return current === 'ro' ? 'ro-RO' : 'en-GB';
}

/** The string for key in the chosen language with {name} placeholders
 *  filled from vars. */
export function t(key, vars) {
  let s = STRINGS[current][key];
  if (s === undefined) s = STRINGS.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined ? m : String(vars[name])));
  return s;
}

/** Whether a key exists (for optional keys such as plan names). */
export function has(key) {
  return STRINGS.en[key] !== undefined;
}

/** "a, b or c" in the chosen language. */
export function joinList(items, kind = 'or') {
  if (items.length <= 1) return items.join('');
  return t('list.' + kind, { a: items.slice(0, -1).join(', '), b: items[items.length - 1] });
}

/** Fill data-i18n (textContent) and data-i18n-attr ("attr:key;attr:key")
 *  under root, and the document's language. */
export function applyI18n(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Switch language, remember it, re-translate the page and tell the
 *  page's dynamic parts ("garant:language" on window). */
export function setLanguage(code) {
  if (!STRINGS[code] || code === current) return;
  current = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    /* not remembered; still switched for this page */
  }
  applyI18n(document);
  window.dispatchEvent(new CustomEvent('garant:language', { detail: { language: code } }));
}

/** Run fn whenever the language changes (after the static texts). */
export function onLanguage(fn) {
  window.addEventListener('garant:language', () => fn());
}

/** The strings, for tests that check both languages have the same keys. */
export const _strings = STRINGS;
