// SPDX-License-Identifier: GPL-2.0
/*
 * prng - write SIZE bytes of reproducible pseudo-random data to stdout.
 *
 * The end-to-end tests compare checksums of data written through the
 * pNFS client with the checksum of this stream, so the stream depends
 * only on SEED (xorshift64*), never on the machine.
 *
 * Usage: prng SEED SIZE[k|m|g]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'g': case 'G': v <<= 10; /* fall through */
	case 'm': case 'M': v <<= 10; /* fall through */
	case 'k': case 'K': v <<= 10; end++; break;
	case '\0': break;
	default: fprintf(stderr, "prng: bad size %s\n", s); exit(2);
	}
	if (*end) {
		fprintf(stderr, "prng: bad size %s\n", s);
		exit(2);
	}
	return v;
}

static int write_all(const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(1, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint64_t buf[1 << 14];
	uint64_t x, left;
	size_t i, n;

	if (argc != 3) {
		fprintf(stderr, "usage: prng SEED SIZE[k|m|g]\n");
		return 2;
	}
	x = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	left = parse_size(argv[2]);
	while (left) {
		for (i = 0; i < sizeof(buf) / 8; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 0x2545f4914f6cdd1dULL;
		}
		n = left < sizeof(buf) ? left : sizeof(buf);
		if (write_all((unsigned char *)buf, n)) {
			perror("prng: write");
			return 1;
		}
		left -= n;
	}
	return 0;
}
