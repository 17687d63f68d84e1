-- Schema, app user and seed rows for the embedded stack's MariaDB. Run once per template by
-- `mariadb-install-db --extra-file=` (bootstrap mode); every run copies the resulting datadir,
-- so changing this file changes the template key (services: prepare_mariadb) and re-initialises.
--
-- Bootstrap mode starts with the grant tables unloaded: CREATE USER / GRANT fail with error
-- 1290 (--skip-grant-tables) unless privileges are loaded first.
FLUSH PRIVILEGES;

-- install-db also made root@<this machine's hostname>: --skip-name-resolve makes the server
-- warn about it at every start, and a template should not depend on the host that made it.
DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');

CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;

-- 'localhost' is the unix socket (what the PHP app uses). The server runs --skip-name-resolve,
-- so TCP clients from 127.0.0.1 match only an explicit '127.0.0.1' account.
-- The password is repeated in stack/services.h (kDbPassword): keep the two in step.
CREATE USER 'app'@'localhost' IDENTIFIED BY 'app-secret';
CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-secret';
GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'app'@'localhost', 'app'@'127.0.0.1';

CREATE TABLE app.items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  price DECIMAL(10, 2) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- 10,000 deterministic rows from the built-in SEQUENCE engine, so tests can predict any row:
-- id N is named item-0000N and costs ((N * 7919) mod 100000) / 100 (id 42 -> 325.98).
-- Explicit ids keep AUTO_INCREMENT at 10001 for the first POST.
INSERT INTO app.items (id, name, price)
SELECT seq, CONCAT('item-', LPAD(seq, 5, '0')), ((seq * 7919) MOD 100000) / 100
FROM seq_1_to_10000;
