import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readCapture } from './capture.js';
import { jpegWithXmpInExif } from './exif-fixture.js';
import { droneDjiFields, xmpInExif } from './xmp-in-exif.js';

const ELEMENT_FORM = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/">
<drone-dji:AbsoluteAltitude>312.25</drone-dji:AbsoluteAltitude>
<drone-dji:RelativeAltitude>45.5</drone-dji:RelativeAltitude>
<drone-dji:GimbalRollDegree>0.00</drone-dji:GimbalRollDegree>
<drone-dji:GimbalYawDegree>187.30</drone-dji:GimbalYawDegree>
<drone-dji:GimbalPitchDegree>-89.90</drone-dji:GimbalPitchDegree>
<drone-dji:FlightYawDegree>186.9</drone-dji:FlightYawDegree>
</rdf:Description></rdf:RDF></x:xmpmeta>`;

const plainJpeg = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#777' } })
    .jpeg()
    .toBuffer();

describe('drone-dji XMP inside the EXIF block', () => {
  it.each([
    ['element form', '<drone-dji:RelativeAltitude>45.5</drone-dji:RelativeAltitude>', { RelativeAltitude: '45.5' }],
    [
      'attribute form',
      'drone-dji:RelativeAltitude="+45.50" drone-dji:GimbalPitchDegree="-90.0"',
      {
        RelativeAltitude: '+45.50',
        GimbalPitchDegree: '-90.0',
      },
    ],
    ['mismatched tags', '<drone-dji:RelativeAltitude>45.5</drone-dji:GimbalPitchDegree>', {}],
    ['no drone-dji fields', '<tiff:Make>DJI</tiff:Make>', {}],
  ])('when the packet is in %s, then the fields read are as written', (_name, xmp, expected) => {
    expect(droneDjiFields(xmp)).toEqual(expected);
  });

  it('when a Zenmuse XT2 photo keeps its XMP in EXIF tag 0x02BC, then height and gimbal angles are read from it', async () => {
    const photo = jpegWithXmpInExif(await plainJpeg(), ELEMENT_FORM);
    expect(xmpInExif(photo)).toContain('drone-dji:RelativeAltitude');
    const capture = await readCapture(photo);
    expect(capture).toMatchObject({
      make: 'DJI',
      model: 'XT2',
      relativeAltitudeM: 45.5,
      absoluteAltitudeM: 312.25,
      gimbalPitchDeg: -89.9,
      gimbalYawDeg: 187.3,
      gimbalRollDeg: 0,
      flightYawDeg: 186.9,
    });
    expect(capture.sources.relativeAltitudeM).toBe('xmp');
  });

  it('when a JPEG has no EXIF block or no packet in it, then nothing is found and nothing throws', async () => {
    expect(xmpInExif(await plainJpeg())).toBeUndefined();
    expect(xmpInExif(Buffer.from('not a jpeg'))).toBeUndefined();
    expect(xmpInExif(jpegWithXmpInExif(await plainJpeg(), 'no packet here'))).toBeUndefined();
    // A segment length running past the end stops the walk instead of reading beyond it.
    expect(xmpInExif(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45]))).toBeUndefined();
  });
});
