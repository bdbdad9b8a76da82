// sql_script against the real MariaDB: values of every shape survive its literals, a script's
// result sets reach their readers in order, and a failing statement throws its own error, stops the
// rest and leaves the connection usable.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/sql_script.hpp"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace moonkey;

namespace {

struct fixture {
    mysql::connection conn{parse_database_url(test::test_database_url()).value(), std::chrono::seconds(10)};

    fixture() {
        conn.execute("CREATE TEMPORARY TABLE script_values (id INT NOT NULL PRIMARY KEY, text VARCHAR(200)"
                     " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, bytes VARBINARY(64), n BIGINT)");
    }

    // Returns column 1 of every row `select` returns, run as a script of one statement.
    std::vector<std::string> column(std::string const& select) {
        std::vector<std::string> values;
        mysql::sql_script script;
        script.add(select, [&](sql::ResultSet& rows) {
            while (rows.next()) values.emplace_back(rows.getString(1));
        });
        script.run(conn);
        return values;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sql_scripts, fixture)

BOOST_AUTO_TEST_CASE(literals_keep_every_value) {
    std::vector<std::string> texts{"",
                                   "plain",
                                   "it's",
                                   "back\\slash",
                                   "quote\"d",
                                   "semi; DROP TABLE users; --",
                                   std::string("nul\0byte", 8),
                                   "emoji \xF0\x9F\x94\x91 and \xC3\xA9",
                                   "Mozilla/5.0 (X11; Linux) ?=&%_*",
                                   "line\nbreak",
                                   "tab\there",
                                   "del\x7f"};
    std::string bytes("\x00\x01\x27\x5c\xff", 5);
    mysql::sql_script script;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        script.add("INSERT INTO script_values (id, text, bytes, n) VALUES (" + mysql::number_literal(int(i)) + "," +
                   mysql::text_literal(texts[i]) + "," + mysql::bytes_literal(bytes) + "," +
                   mysql::number_literal(-9007199254740993LL) + ")");
    }
    script.run(conn);

    auto stored = column("SELECT text FROM script_values ORDER BY id");
    BOOST_TEST(stored == texts, boost::test_tools::per_element());
    BOOST_TEST(column("SELECT COUNT(*) FROM script_values WHERE bytes = " + mysql::bytes_literal(bytes) +
                      " AND n = -9007199254740993") == std::vector<std::string>{std::to_string(texts.size())});
    // A text literal compares like a bound string: equal text matches, other text does not.
    BOOST_TEST(column("SELECT id FROM script_values WHERE text = " + mysql::text_literal("it's")) ==
               std::vector<std::string>{"2"});
    BOOST_TEST(column("SELECT id FROM script_values WHERE text = " + mysql::text_literal("IT'S")).empty());
    BOOST_TEST(column("SELECT id FROM script_values WHERE text = " + mysql::text_literal("PLAIN")).empty());
    // Printable ASCII other than ' and \ is quoted as it is; anything else is spelled in hex.
    BOOST_TEST(mysql::text_literal("pn_3MtU+1@x.io") == "'pn_3MtU+1@x.io'");
    BOOST_TEST(mysql::text_literal("") == "''");
    BOOST_TEST(mysql::text_literal("it's") == "_utf8mb4 X'69742773'");
    BOOST_TEST(mysql::text_literal("a\\") == "_utf8mb4 X'615c'");
    BOOST_TEST(mysql::text_literal("\xC3\xA9") == "_utf8mb4 X'c3a9'");
    BOOST_TEST(mysql::text_literal("a\nb") == "_utf8mb4 X'610a62'");
    BOOST_TEST(mysql::hex_literal("00aB") == "X'00aB'");
    BOOST_CHECK_THROW(mysql::hex_literal("0g"), std::invalid_argument);
    BOOST_CHECK_THROW(mysql::hex_literal("abc"), std::invalid_argument);
    BOOST_CHECK_THROW(mysql::hex_literal("ab' OR 1"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(result_sets_reach_their_readers_in_order) {
    std::vector<std::string> seen;
    mysql::sql_script script;
    script.add("INSERT INTO script_values (id, n) VALUES (1, 10), (2, 20)");
    script.add("SELECT n FROM script_values WHERE id = 2", [&](sql::ResultSet& rows) {
        while (rows.next()) seen.push_back("second:" + std::string(rows.getString(1)));
    });
    script.add("UPDATE script_values SET n = n + 1");
    script.add("SELECT n FROM script_values ORDER BY id", [&](sql::ResultSet& rows) {
        while (rows.next()) seen.push_back("fourth:" + std::string(rows.getString(1)));
    });
    script.add("SELECT 'unread'");  // rows without a reader are read and dropped
    script.run(conn);
    BOOST_TEST(seen == (std::vector<std::string>{"second:20", "fourth:11", "fourth:21"}), boost::test_tools::per_element());
    BOOST_TEST(column("SELECT 1") == std::vector<std::string>{"1"});
}

BOOST_AUTO_TEST_CASE(a_failing_statement_throws_and_stops_the_rest) {
    mysql::sql_script script;
    script.add("INSERT INTO script_values (id, n) VALUES (1, 1)");
    script.add("INSERT INTO script_values (id, n) VALUES (1, 2)");  // duplicate key
    script.add("INSERT INTO script_values (id, n) VALUES (3, 3)");
    int code = 0;
    try {
        script.run(conn);
    } catch (sql::SQLException const& e) {
        code = e.getErrorCode();
    }
    BOOST_TEST(code == mysql::server_error::duplicate_entry);
    // The first statement ran, the third did not, and the connection still answers.
    BOOST_TEST(column("SELECT id FROM script_values ORDER BY id") == std::vector<std::string>{"1"});
}

BOOST_AUTO_TEST_SUITE_END()
