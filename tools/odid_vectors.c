/* Encode Location inputs with the reference C encoder (opendroneid-core-c, Apache-2.0) and print
 * each input line followed by the 25 encoded bytes in hex: the vectors of
 * tests/data/remoteid/odid_c_location_vectors.txt.gz (see tools/odid_vectors.py).
 * Build: gcc -O0 -I<core-c>/libopendroneid tools/odid_vectors.c <core-c>/libopendroneid/opendroneid.c -lm
 * Input lines: direction speed vspeed lat lon alt_geo timestamp (decimal, exact doubles). */
#include <stdio.h>
#include <stdlib.h>
#include "opendroneid.h"

int main(void) {
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        double v[7];
        if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
            continue;
        ODID_Location_data in;
        odid_initLocationData(&in);
        in.Status = ODID_STATUS_AIRBORNE;
        in.Direction = (float) v[0];
        in.SpeedHorizontal = (float) v[1];
        in.SpeedVertical = (float) v[2];
        in.Latitude = v[3];
        in.Longitude = v[4];
        in.AltitudeGeo = (float) v[5];
        in.TimeStamp = (float) v[6];
        ODID_Location_encoded out;
        if (encodeLocationMessage(&out, &in) != ODID_SUCCESS) {
            printf("FAIL\n");
            continue;
        }
        const unsigned char *b = (const unsigned char *) &out;
        for (int i = 0; i < ODID_MESSAGE_SIZE; i++)
            printf("%02x", b[i]);
        printf("\n");
    }
    return 0;
}
