#include "moonkey/delivery/message_text.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace moonkey;

namespace {

outbound_message message(std::string locale, int minutes, std::string app = "Acme") {
    outbound_message m;
    m.id = "msg_test";
    m.via = channel::email;
    m.to = "jane@example.com";
    m.code = "123456";
    m.expires_in_minutes = minutes;
    m.locale = std::move(locale);
    m.style.app_name = std::move(app);
    return m;
}

bool contains(std::string const& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(message_text)

BOOST_AUTO_TEST_CASE(sms_in_each_locale_for_one_and_three_minutes) {
    struct expected {
        std::string locale;
        std::string one;
        std::string three;
    };
    std::vector<expected> const cases{
        {"en", "123456 is your Acme verification code. It expires in 1 minute.",
         "123456 is your Acme verification code. It expires in 3 minutes."},
        {"es", "123456 es tu código de verificación de Acme. Caduca en 1 minuto.",
         "123456 es tu código de verificación de Acme. Caduca en 3 minutos."},
        {"fr", "123456 est votre code de vérification Acme. Il expire dans 1 minute.",
         "123456 est votre code de vérification Acme. Il expire dans 3 minutes."},
        {"de", "123456 ist Ihr Bestätigungscode für Acme. Er läuft in 1 Minute ab.",
         "123456 ist Ihr Bestätigungscode für Acme. Er läuft in 3 Minuten ab."},
        {"pt-br", "123456 é o seu código de verificação de Acme. Ele expira em 1 minuto.",
         "123456 é o seu código de verificação de Acme. Ele expira em 3 minutos."},
    };
    for (auto const& c : cases) {
        BOOST_TEST_CONTEXT("locale " << c.locale) {
            BOOST_TEST(sms_text(message(c.locale, 1)) == c.one);
            BOOST_TEST(sms_text(message(c.locale, 3)) == c.three);
        }
    }
}

BOOST_AUTO_TEST_CASE(locale_spellings_and_unknown_locales) {
    BOOST_TEST(text_locale("pt-BR") == "pt-br");
    BOOST_TEST(text_locale("pt_BR") == "pt-br");
    BOOST_TEST(text_locale("es-MX") == "es");
    BOOST_TEST(text_locale("DE") == "de");
    BOOST_TEST(text_locale("it") == "en");
    BOOST_TEST(text_locale("") == "en");
    BOOST_TEST(sms_text(message("pt-BR", 2))
               == "123456 é o seu código de verificação de Acme. Ele expira em 2 minutos.");
    BOOST_TEST(sms_text(message("ja", 2))
               == "123456 is your Acme verification code. It expires in 2 minutes.");
}

BOOST_AUTO_TEST_CASE(webotp_line_when_the_app_has_a_domain) {
    auto m = message("en", 5);
    BOOST_TEST(!contains(sms_text(m), "\n"));
    m.style.domain = "acme.com";
    BOOST_TEST(sms_text(m)
               == "123456 is your Acme verification code. It expires in 5 minutes.\n@acme.com #123456");
    m.locale = "fr";
    auto const text = sms_text(m);
    BOOST_TEST(text.substr(text.rfind('\n')) == "\n@acme.com #123456");
    m.style.sms_template = "Code {code}";
    BOOST_TEST(sms_text(m) == "Code 123456\n@acme.com #123456");
}

BOOST_AUTO_TEST_CASE(templates_fill_code_app_and_minutes) {
    auto m = message("de", 10);
    m.style.sms_template = "{app}: {code} ({minutes} min) {unknown} {";
    BOOST_TEST(sms_text(m) == "Acme: 123456 (10 min) {unknown} {");
    m.style.email_subject_template = "[{app}] {code}";
    BOOST_TEST(email_subject(m) == "[Acme] 123456");
    m.style.email_text_template = "Code: {code}\nValid for {minutes} minutes.\n";
    BOOST_TEST(email_text(m) == "Code: 123456\nValid for 10 minutes.\n");
    m.style.email_html_template = "<p>{app}</p><b>{code}</b><i>{minutes}</i>";
    BOOST_TEST(email_html(m) == "<p>Acme</p><b>123456</b><i>10</i>");

    // A value holding a placeholder is inserted as it is, not filled again.
    m.style.app_name = "{code}";
    BOOST_TEST(sms_text(m) == "{code}: 123456 (10 min) {unknown} {");
}

BOOST_AUTO_TEST_CASE(html_escapes_a_hostile_app_name) {
    std::string const hostile = "<script>alert(\"x\")</script> & 'Co'";
    auto m = message("en", 3, hostile);
    for (auto const& html : {email_html(m), [&] {
                                 auto t = m;
                                 t.style.email_html_template = "<h1>{app}</h1><p>{code}</p>";
                                 return email_html(t);
                             }()}) {
        BOOST_TEST(!contains(html, "<script"));
        BOOST_TEST(!contains(html, "\"x\""));
        BOOST_TEST(contains(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;"));
        BOOST_TEST(contains(html, "123456"));
    }
    // The plain text and the subject carry the name as it is.
    BOOST_TEST(contains(email_text(m), hostile));
    BOOST_TEST(contains(email_subject(m), hostile));
}

BOOST_AUTO_TEST_CASE(subject_text_and_html_contain_the_code_in_each_locale) {
    for (std::string locale : {"en", "es", "fr", "de", "pt-br"}) {
        BOOST_TEST_CONTEXT("locale " << locale) {
            auto const m = message(locale, 1);
            BOOST_TEST(contains(email_subject(m), "123456"));
            BOOST_TEST(contains(email_subject(m), "Acme"));
            BOOST_TEST(contains(email_text(m), "123456"));
            BOOST_TEST(contains(email_text(m), "Acme"));
            auto const html = email_html(m);
            BOOST_TEST(contains(html, ">123456</p>"));
            BOOST_TEST(contains(html, "<!DOCTYPE html>"));
            BOOST_TEST(contains(html, "<html lang=\""));
            BOOST_TEST(contains(html, "<title>"));
        }
    }
    BOOST_TEST(contains(email_text(message("de", 1)), "Er läuft in 1 Minute ab."));
    BOOST_TEST(contains(email_text(message("es", 7)), "Caduca en 7 minutos."));
    BOOST_TEST(contains(email_html(message("pt-br", 1)), "lang=\"pt-BR\""));
}

BOOST_AUTO_TEST_CASE(html_is_self_contained) {
    auto const html = email_html(message("en", 3));
    for (auto const* outside : {"http:", "https:", "src=", "<link", "<script", "<style", "url("}) {
        BOOST_TEST_CONTEXT(outside) {
            BOOST_TEST(!contains(html, outside));
        }
    }
}

BOOST_AUTO_TEST_CASE(subject_is_one_line_whatever_the_template) {
    auto m = message("en", 3);
    m.style.email_subject_template = "Your code\r\nBcc: victim@example.com {code}";
    auto const subject = email_subject(m);
    BOOST_TEST(!contains(subject, "\r"));
    BOOST_TEST(!contains(subject, "\n"));
    BOOST_TEST(contains(subject, "123456"));
}

BOOST_AUTO_TEST_CASE(apps_without_a_name_get_texts_without_one) {
    auto const m = message("en", 3, "");
    BOOST_TEST(sms_text(m) == "123456 is your verification code. It expires in 3 minutes.");
    BOOST_TEST(email_subject(m) == "123456 is your verification code");
    BOOST_TEST(!contains(email_html(m), "<h1"));
    BOOST_TEST(!contains(email_text(m), "  verification"));
}

BOOST_AUTO_TEST_SUITE_END()
