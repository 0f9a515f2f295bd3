# Where the tests find the services that .ci/services.sh started.
export DOBRO_TEST_DATABASE_URL="postgresql+psycopg://dobro:dobro@127.0.0.1:5432/dobro_test"
export DOBRO_CHROMIUM="${DOBRO_CHROMIUM:-/usr/bin/chromium}"
