#include "moonkey/delivery/message_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace moonkey {
namespace {

// One locale's words. {code}, {app} and {minutes} (the whole phrase, "3 minutes") are filled in;
// the *_no_app forms serve apps without a name.
struct locale_texts {
    std::string_view tag;  // the `lang` of the HTML part
    std::string_view one_minute;
    std::string_view minutes;  // {n} is the number
    std::string_view sms;
    std::string_view sms_no_app;
    std::string_view subject;
    std::string_view subject_no_app;
    std::string_view intro;  // the line before the code in the email
    std::string_view intro_no_app;
    std::string_view expires;
    std::string_view ignore;
};

constexpr std::array<locale_texts, 5> all_texts{{
    {"en", "1 minute", "{n} minutes", "{code} is your {app} verification code. It expires in {minutes}.",
     "{code} is your verification code. It expires in {minutes}.", "{code} is your {app} verification code",
     "{code} is your verification code",
     "Your {app} verification code is:", "Your verification code is:", "It expires in {minutes}.",
     "If you did not ask for this code, you can ignore this email. Never share it with anyone."},
    {"es", "1 minuto", "{n} minutos", "{code} es tu código de verificación de {app}. Caduca en {minutes}.",
     "{code} es tu código de verificación. Caduca en {minutes}.",
     "{code} es tu código de verificación de {app}", "{code} es tu código de verificación",
     "Tu código de verificación de {app} es:", "Tu código de verificación es:", "Caduca en {minutes}.",
     "Si no has solicitado este código, puedes ignorar este correo. No lo compartas con nadie."},
    {"fr", "1 minute", "{n} minutes",
     "{code} est votre code de vérification {app}. Il expire dans {minutes}.",
     "{code} est votre code de vérification. Il expire dans {minutes}.",
     "{code} est votre code de vérification {app}", "{code} est votre code de vérification",
     "Votre code de vérification {app} est\u00a0:", "Votre code de vérification est\u00a0:",
     "Il expire dans {minutes}.",
     "Si vous n’avez pas demandé ce code, vous pouvez ignorer cet e-mail. Ne le communiquez à "
     "personne."},
    {"de", "1 Minute", "{n} Minuten", "{code} ist Ihr Bestätigungscode für {app}. Er läuft in {minutes} ab.",
     "{code} ist Ihr Bestätigungscode. Er läuft in {minutes} ab.",
     "{code} ist Ihr Bestätigungscode für {app}", "{code} ist Ihr Bestätigungscode",
     "Ihr Bestätigungscode für {app} lautet:", "Ihr Bestätigungscode lautet:", "Er läuft in {minutes} ab.",
     "Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren. Geben Sie "
     "ihn an niemanden weiter."},
    {"pt-BR", "1 minuto", "{n} minutos",
     "{code} é o seu código de verificação de {app}. Ele expira em {minutes}.",
     "{code} é o seu código de verificação. Ele expira em {minutes}.",
     "{code} é o seu código de verificação de {app}", "{code} é o seu código de verificação",
     "Seu código de verificação de {app} é:", "Seu código de verificação é:", "Ele expira em {minutes}.",
     "Se você não pediu este código, pode ignorar este e-mail. Não o compartilhe com ninguém."},
}};

locale_texts const& texts_for(std::string_view locale) {
    auto const tag = text_locale(locale);
    for (auto const& t : all_texts) {
        if (t.tag.size() == tag.size()
            && std::equal(t.tag.begin(), t.tag.end(), tag.begin(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
            return t;
        }
    }
    return all_texts[0];
}

void append_html_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
}

std::string html_escaped(std::string_view text) {
    std::string out;
    append_html_escaped(out, text);
    return out;
}

struct values {
    std::string_view code;
    std::string_view app;
    std::string_view minutes;
};

// Fills {code}, {app} and {minutes} in one pass (a value that itself holds "{code}" stays as it is);
// HTML-escapes the values when `html`.
std::string fill(std::string_view pattern, values const& v, bool html = false) {
    std::string out;
    out.reserve(pattern.size() + 32);
    while (!pattern.empty()) {
        auto const brace = pattern.find('{');
        out.append(pattern.substr(0, brace));
        if (brace == std::string_view::npos) break;
        pattern.remove_prefix(brace);
        std::string_view value;
        std::size_t used = 0;
        for (auto [name, val] :
             {std::pair{std::string_view("{code}"), v.code}, std::pair{std::string_view("{app}"), v.app},
              std::pair{std::string_view("{minutes}"), v.minutes}}) {
            if (pattern.starts_with(name)) {
                value = val;
                used = name.size();
                break;
            }
        }
        if (used == 0) {
            out += '{';
            pattern.remove_prefix(1);
            continue;
        }
        if (html) {
            append_html_escaped(out, value);
        } else {
            out.append(value);
        }
        pattern.remove_prefix(used);
    }
    return out;
}

std::string minutes_phrase(locale_texts const& t, int minutes) {
    if (minutes == 1) return std::string(t.one_minute);
    auto phrase = std::string(t.minutes);
    return phrase.replace(phrase.find("{n}"), 3, std::to_string(minutes));
}

// The locale's words with the message's values; `html` escapes the values.
std::string localized(outbound_message const& m, std::string_view with_app, std::string_view without_app,
                      bool html = false) {
    auto const& t = texts_for(m.locale);
    auto const minutes = minutes_phrase(t, m.expires_in_minutes);
    return fill(m.style.app_name.empty() ? without_app : with_app, {m.code, m.style.app_name, minutes}, html);
}

std::string from_template(outbound_message const& m, std::string_view tpl, bool html = false) {
    auto const minutes = std::to_string(m.expires_in_minutes);
    return fill(tpl, {m.code, m.style.app_name, minutes}, html);
}

}  // namespace

std::string_view text_locale(std::string_view locale) {
    std::string lower;
    for (char c : locale.substr(0, 16)) {
        lower += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto const primary = std::string_view(lower).substr(0, lower.find('-'));
    if (primary == "es") return "es";
    if (primary == "fr") return "fr";
    if (primary == "de") return "de";
    if (primary == "pt") return "pt-br";
    return "en";
}

std::string sms_text(outbound_message const& m) {
    auto const& t = texts_for(m.locale);
    auto text = m.style.sms_template.empty() ? localized(m, t.sms, t.sms_no_app)
                                             : from_template(m, m.style.sms_template);
    if (!m.style.domain.empty()) text += "\n@" + m.style.domain + " #" + m.code;
    return text;
}

std::string email_subject(outbound_message const& m) {
    auto const& t = texts_for(m.locale);
    auto subject = m.style.email_subject_template.empty() ? localized(m, t.subject, t.subject_no_app)
                                                          : from_template(m, m.style.email_subject_template);
    for (auto& c : subject) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return subject;
}

std::string email_text(outbound_message const& m) {
    if (!m.style.email_text_template.empty()) return from_template(m, m.style.email_text_template);
    auto const& t = texts_for(m.locale);
    return localized(m, t.intro, t.intro_no_app) + "\n\n    " + m.code + "\n\n"
           + localized(m, t.expires, t.expires) + "\n" + std::string(t.ignore) + "\n";
}

std::string email_html(outbound_message const& m) {
    if (!m.style.email_html_template.empty()) return from_template(m, m.style.email_html_template, true);
    auto const& t = texts_for(m.locale);
    auto const subject = html_escaped(email_subject(m));
    std::string out;
    out.reserve(2048);
    out += "<!DOCTYPE html>\n<html lang=\"";
    out += t.tag;
    out +=
        "\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light\">\n<title>";
    out += subject;
    out +=
        "</title>\n</head>\n<body style=\"margin:0;padding:0;background-color:#f4f4f7;\">\n"
        "<div role=\"article\" aria-roledescription=\"email\" aria-label=\"";
    out += subject;
    out +=
        "\" style=\"padding:24px 12px;background-color:#f4f4f7;\">\n"
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
        "style=\"max-width:480px;margin:0 auto;background-color:#ffffff;border-radius:8px;\">\n"
        "<tr><td style=\"padding:32px 28px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,"
        "sans-serif;font-size:16px;line-height:24px;color:#1f2328;\">\n";
    if (!m.style.app_name.empty()) {
        out +=
            "<h1 style=\"margin:0 0 16px;font-size:20px;line-height:28px;font-weight:600;color:#1f2328;\">";
        append_html_escaped(out, m.style.app_name);
        out += "</h1>\n";
    }
    out += "<p style=\"margin:0 0 8px;\">" + localized(m, t.intro, t.intro_no_app, true) + "</p>\n";
    out +=
        "<p style=\"margin:0 0 24px;font-family:Menlo,Consolas,'Liberation Mono',monospace;font-size:36px;"
        "line-height:44px;font-weight:700;letter-spacing:6px;color:#111111;\">";
    append_html_escaped(out, m.code);
    out += "</p>\n<p style=\"margin:0 0 8px;\">" + localized(m, t.expires, t.expires, true) + "</p>\n";
    out += "<p style=\"margin:0;font-size:14px;line-height:20px;color:#57606a;\">" + html_escaped(t.ignore)
           + "</p>\n</td></tr>\n</table>\n</div>\n</body>\n</html>\n";
    return out;
}

}  // namespace moonkey
