// A throwaway certificate authority for HTTPS tests, made with the `openssl` command at test time.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "utils.hpp"

namespace leadscout::test::llm {

/// A CA and a server certificate it signed for IP 127.0.0.1 and DNS localhost (EC P-256, valid
/// two days), in a temporary directory that lives as long as the object. Throws
/// std::runtime_error with openssl's messages when a step fails.
class TestCa {
 public:
  TestCa() {
    write(dir_ / "ca.cnf",
          "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ca\n"
          "[dn]\nCN = leadscout throwaway test CA\n"
          "[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
          "subjectKeyIdentifier = hash\n");
    write(dir_ / "server.cnf",
          "[server]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
          "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n"
          "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n");
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("req -x509 -new" + ec + " -days 2 -config ca.cnf -keyout ca.key -out ca.pem");
    run("req -new" + ec + " -config ca.cnf -subj /CN=localhost -keyout server.key -out server.csr");
    run("x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2"
        " -extfile server.cnf -extensions server -out server.pem");
  }

  /// The CA's certificate: the bundle a client trusts.
  [[nodiscard]] std::filesystem::path ca_cert() const { return dir_ / "ca.pem"; }
  /// The server's certificate (without the CA's) and its private key.
  [[nodiscard]] std::filesystem::path server_cert() const { return dir_ / "server.pem"; }
  [[nodiscard]] std::filesystem::path server_key() const { return dir_ / "server.key"; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  /// `openssl ARGS` in the directory; its output goes to openssl.log there.
  void run(const std::string& args) const {
    const std::string log = (dir_ / "openssl.log").string();
    const std::string command = "cd '" + dir_.path().string() + "' && openssl " + args + " >'" + log + "' 2>&1";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("`openssl " + args + "` failed: " + leadscout::test::read_file(log));
    }
  }

  leadscout::test::TempDir dir_;
};

}  // namespace leadscout::test::llm
