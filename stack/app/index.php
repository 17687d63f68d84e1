<?php
// The embedded stack's app: one front controller, so nginx needs one fastcgi location and the
// routes live in one place. nginx answers /health (HAProxy's check) and /static/ itself and
// sends everything else here.
//
//   GET  /health, /api/health  200 "ok" from PHP (no database); /health reaches PHP only when
//                              nginx does not answer it, so use /api/health through nginx
//   GET  /api/item?id=N        the row as {"id":N,"name":"...","price":12.34}; 400 bad id, 404
//   POST /api/item             JSON or form body with name, price; 201 {"id":N,...}
//   GET  /api/work?ms=N        sleeps N ms (0..10000, standing for I/O), then one SELECT
//
// Errors are JSON {"error": "..."} with their status; 500 when the database is unreachable.
// Database settings come from the FPM pool's env[] (stack/config/php-fpm.conf.in).
declare(strict_types=1);

const ITEM_COLUMNS = 'id, name, price';
const SEED_ROWS = 10000;  // stack/sql/init.sql

final class HttpError extends Exception
{
    public function __construct(public readonly int $status, string $message)
    {
        parent::__construct($message);
    }
}

function reply(int $status, mixed $body, array $headers = []): never
{
    http_response_code($status);
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    foreach ($headers as $h) {
        header($h);
    }
    echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION), "\n";
    exit;
}

set_exception_handler(function (Throwable $e): void {
    if ($e instanceof HttpError) {
        reply($e->status, ['error' => $e->getMessage()]);
    }
    error_log('app: ' . get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine());
    reply(500, ['error' => 'internal error: ' . $e->getMessage()]);
});

// One persistent connection per FPM child ("p:"): a new connection per request costs a
// connect and, over TCP, leaves a TIME_WAIT socket behind (~13,700 in 10 s measured). The unix
// socket avoids TCP altogether. 'localhost' means "use the socket" to mysqli; with the fault
// proxy in the stack (network faults on db), DB_HOST is 127.0.0.1 and DB_PORT the proxy's.
function db(): mysqli
{
    static $db = null;
    if ($db !== null) {
        return $db;
    }
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    try {
        $conn = mysqli_init();
        // Ints come back as PHP ints (not strings) from plain queries. A reused persistent
        // connection keeps the options it was created with, which are these.
        $conn->options(MYSQLI_OPT_INT_AND_FLOAT_NATIVE, 1);
        $conn->options(MYSQLI_OPT_CONNECT_TIMEOUT, 2);
        $conn->real_connect('p:' . (getenv('DB_HOST') ?: 'localhost'), getenv('DB_USER') ?: 'app',
            getenv('DB_PASSWORD') ?: '', getenv('DB_NAME') ?: 'app', (int) (getenv('DB_PORT') ?: 0),
            getenv('DB_SOCKET') ?: null);
        $conn->set_charset('utf8mb4');
    } catch (mysqli_sql_exception $e) {
        throw new HttpError(500, 'database unavailable: ' . $e->getMessage());
    }
    return $db = $conn;
}

// A DECIMAL stays a string even with native types (to keep its precision); the API's price is
// a JSON number.
function item_json(array $row): array
{
    return ['id' => (int) $row['id'], 'name' => $row['name'], 'price' => (float) $row['price']];
}

// The id is validated to a positive int before it reaches SQL, so a plain query is safe and
// takes one round trip (a prepared statement takes three).
function find_item(int $id): ?array
{
    try {
        $row = db()->query('SELECT ' . ITEM_COLUMNS . ' FROM items WHERE id = ' . $id)->fetch_assoc();
    } catch (mysqli_sql_exception $e) {
        throw new HttpError(500, 'database error: ' . $e->getMessage());
    }
    return $row === null ? null : item_json($row);
}

function int_param(string $name, int $min, int $max): int
{
    $raw = $_GET[$name] ?? null;
    if (!is_string($raw) || !preg_match('/^[0-9]{1,10}$/', $raw) || (int) $raw < $min || (int) $raw > $max) {
        throw new HttpError(400, "query parameter '$name' must be an integer in $min..$max");
    }
    return (int) $raw;
}

function require_method(string ...$allowed): void
{
    if (!in_array($_SERVER['REQUEST_METHOD'], $allowed, true)) {
        reply(405, ['error' => 'method not allowed'], ['Allow: ' . implode(', ', $allowed)]);
    }
}

function get_item(): never
{
    $id = int_param('id', 1, 2147483647);
    $item = find_item($id);
    if ($item === null) {
        throw new HttpError(404, "no item with id $id");
    }
    reply(200, $item);
}

// The request body as fields: JSON when the client says so, else PHP's form parsing
// (application/x-www-form-urlencoded or multipart).
function body_fields(): array
{
    $type = strtolower($_SERVER['CONTENT_TYPE'] ?? '');
    if (str_starts_with($type, 'application/json')) {
        try {
            $fields = json_decode(file_get_contents('php://input'), true, 8, JSON_THROW_ON_ERROR);
        } catch (JsonException $e) {
            throw new HttpError(400, 'body is not valid JSON: ' . $e->getMessage());
        }
        if (!is_array($fields)) {
            throw new HttpError(400, 'JSON body must be an object');
        }
        return $fields;
    }
    return $_POST;
}

function post_item(): never
{
    $fields = body_fields();
    $name = $fields['name'] ?? null;
    $price = $fields['price'] ?? null;
    // preg_match_all with /u counts characters and rejects invalid UTF-8 (returns false).
    $chars = is_string($name) ? preg_match_all('/./us', $name) : false;
    if ($chars === false || $chars < 1 || $chars > 64) {
        throw new HttpError(400, "'name' must be a string of 1..64 UTF-8 characters");
    }
    if (!(is_int($price) || is_float($price) || (is_string($price) && is_numeric($price)))
        || (float) $price < 0 || (float) $price > 99999999.99) {
        throw new HttpError(400, "'price' must be a number in 0..99999999.99");
    }
    $price = sprintf('%.2f', (float) $price);
    try {
        $db = db();
        $db->execute_query('INSERT INTO items (name, price) VALUES (?, ?)', [$name, $price]);
        $id = (int) $db->insert_id;
    } catch (mysqli_sql_exception $e) {
        throw new HttpError(500, 'database error: ' . $e->getMessage());
    }
    reply(201, ['id' => $id, 'name' => $name, 'price' => (float) $price], ["Location: /api/item?id=$id"]);
}

function work(): never
{
    $ms = int_param('ms', 0, 10000);
    usleep($ms * 1000);
    $item = find_item(random_int(1, SEED_ROWS));
    reply(200, ['ms' => $ms, 'item' => $item]);
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
switch ($path) {
    case '/health':
    case '/api/health':
        require_method('GET', 'HEAD');
        header('Content-Type: text/plain');
        echo "ok\n";
        exit;
    case '/api/item':
        require_method('GET', 'HEAD', 'POST');
        if ($_SERVER['REQUEST_METHOD'] === 'POST') {
            post_item();
        }
        get_item();
    case '/api/work':
        require_method('GET', 'HEAD');
        work();
    default:
        reply(404, ['error' => "no route for $path"]);
}
