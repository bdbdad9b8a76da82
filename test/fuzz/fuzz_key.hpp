#pragma once
// The fixed RSA key of the fuzz targets (test/fuzz/jwt_key.pem, a test key that signs nothing real),
// so that the JWTs of the seed corpus verify.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace moonkey::fuzz {

// Returns the PEM text of the fixed key; aborts when the file cannot be read.
inline std::string fixed_key_pem() {
    std::ifstream in(MOONKEY_FUZZ_JWT_KEY);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str().empty()) {
        std::fprintf(stderr, "cannot read %s\n", MOONKEY_FUZZ_JWT_KEY);
        std::abort();
    }
    return text.str();
}

}  // namespace moonkey::fuzz
