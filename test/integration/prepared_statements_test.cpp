// A connection keeps a bounded number of prepared statements: past the limit it closes the least
// recently used one, on the server too, and prepares it again when it is asked for.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/store/mysql/connection.hpp"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace moonkey;

namespace {

mysql::connection connect(std::size_t prepared_limit) {
    return mysql::connection(parse_database_url(test::test_database_url()).value(), std::chrono::seconds(10),
                             prepared_limit);
}

// Runs the statement that selects `n` and returns what it selected.
long long select_number(mysql::connection& conn, int n) {
    auto& statement = conn.prepare("SELECT " + std::to_string(n) + " + ?");
    statement.setInt(1, 0);
    std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
    BOOST_TEST_REQUIRE(rows->next());
    return rows->getInt64(1);
}

// The statements this connection's session has closed on the server.
long long closed_on_server(mysql::connection& conn) {
    std::unique_ptr<sql::Statement> statement(conn.raw().createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery("SHOW SESSION STATUS LIKE 'Com_stmt_close'"));
    BOOST_TEST_REQUIRE(rows->next());
    return rows->getInt64(2);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prepared_statements)

BOOST_AUTO_TEST_CASE(a_connection_keeps_at_most_its_limit_and_closes_the_least_recently_used) {
    auto conn = connect(4);
    for (int n = 0; n < 4; ++n) BOOST_TEST(select_number(conn, n) == n);
    BOOST_TEST(conn.prepared_count() == 4u);
    BOOST_TEST(closed_on_server(conn) == 0);
    BOOST_TEST(select_number(conn, 0) == 0);  // 0 is now the most recently used, 1 the least

    BOOST_TEST(select_number(conn, 10) == 10);  // a fifth closes statement 1
    BOOST_TEST(conn.prepared_count() == 4u);
    BOOST_TEST(closed_on_server(conn) == 1);
    BOOST_TEST(select_number(conn, 0) == 0);  // still prepared: nothing closed
    BOOST_TEST(closed_on_server(conn) == 1);
    for (int n = 11; n < 40; ++n) BOOST_TEST(select_number(conn, n) == n);
    BOOST_TEST(conn.prepared_count() == 4u);
    BOOST_TEST(closed_on_server(conn) == 30);

    BOOST_TEST(select_number(conn, 1) == 1);  // closed long ago: prepared again, and it still answers
    BOOST_TEST(conn.prepared_count() == 4u);
    BOOST_TEST(closed_on_server(conn) == 31);
}

BOOST_AUTO_TEST_SUITE_END()
