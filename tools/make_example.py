#!/usr/bin/env python3
"""Generate the synthetic product-matching example shipped in examples/products/.

The data imitates the shape of the Abt-Buy entity-resolution benchmark (two online
shops listing the same consumer-electronics products in different words) but every
record is made up by this script, so the output is free of third-party rights and is
dedicated to the public domain (CC0 1.0).

Usage:
    python3 tools/make_example.py examples/products

Files written to the output directory:
    left.csv        300 "shop A" records   id,title,brand,description,price   (ids L0001...)
    right.csv       330 "shop B" records   id,title,brand,description,price   (ids R0001...)
    gold.csv        220 true pairs, one-to-one: left_id,right_id
    dedup.csv       150 records of one shop with 40 duplicate clusters of size 2-3 (D0001...)
    dedup_gold.csv  every pair inside each duplicate cluster, once, smaller id first

How it works:
  1. A small hand-written catalogue (CATEGORIES, BRANDS) lists 28 brands, their product
     lines and model-code patterns ('#' = a random digit, '{size}' etc. = a parameter).
  2. Products are drawn in *families*: siblings of the same brand and line that share most
     features but have different model codes (e.g. "PS-LX350H" vs "PS-LX300USB").
     Siblings are the hard negatives: extra siblings of matched products that only one
     shop lists (near misses), and unmatched sibling pairs split across the two shops,
     keep a TF-IDF matcher clearly below a perfect score.
  3. Each product gets a role (matched / left only / right only) and is rendered once per
     side it appears on. The left shop writes long, regular titles and feature lists; the
     right shop reorders words, abbreviates ("Black" -> "Blk"), drops or rewrites hyphens in
     model codes, changes or drops the brand, shortens or empties the description, moves
     the price by up to 15% (or leaves it empty) and makes the occasional typo. A true
     pair is re-rendered until it shares at least MIN_SHARED_WORDS words (blockable).
  4. Files are written with Python's csv module (RFC 4180 quoting, '\\n' line ends, UTF-8)
     and then read back and checked; the sha256 of each file is printed.

The counts and the noise probabilities (P_*) are constants below; they were tuned so that
a plain word TF-IDF matcher (cosine, mutual best match) reaches a pair F1 of about 0.9.

Everything is driven by one random.Random(SEED) and nothing depends on set iteration order
(string hashing), so every run writes byte-for-byte identical files (checked with CPython
3.8 to 3.13; the sha256 sums are printed at the end).
"""

import csv
import functools
import hashlib
import os
import random
import re
import sys

SEED = 20240611

N_MATCHED = 220      # products listed by both shops (= gold pairs)
N_LEFT_ONLY = 80     # products only the left shop lists   -> 300 left records
N_RIGHT_ONLY = 110   # products only the right shop lists  -> 330 right records
NEAR_MISS_LEFT = 20  # ... of which siblings of a matched product (same line, other model)
NEAR_MISS_RIGHT = 25
SPLIT_PAIRS = 10     # unmatched sibling pairs, one on each side

# Family sizes: weights for 1, 2, 3 ... siblings drawn together. Siblings are look-alikes
# (same brand and line, other model code), i.e. the hard negatives.
MATCHED_FAMILY_SIZES = [80, 17, 3]   # matched products (all siblings of such a family are matched)
OTHER_FAMILY_SIZES = [70, 30]        # unmatched products (siblings stay on one side)
DEDUP_FAMILY_SIZES = [85, 15]        # dedup entities (clusters and singletons)
LINE_CAP = 5         # at most this many products of one brand line over all files

# Noise knobs (probabilities). They set the difficulty: hyphen changes split a model code
# into different tokens, and a title without its model code leaves only generic words.
P_LEFT_PLAIN_CODE = 0.06     # left title writes "DMPBD60" for "DMP-BD60"
P_RIGHT_PLAIN_CODE = 0.06    # right title writes "DMPBD60"
P_RIGHT_SPACED_CODE = 0.02   # right title writes "DMP BD60"
P_RIGHT_CODE_SUFFIX = 0.03   # right title appends a colour suffix: "KDL40V4100B"
P_RIGHT_NO_CODE = 0.015      # right title has no model code at all

DEDUP_CLUSTER_SIZES = [2] * 30 + [3] * 10   # 40 duplicate clusters, 90 records
DEDUP_SINGLETONS = 60                       # -> 150 dedup records

HEADER = ["id", "title", "brand", "description", "price"]

# --------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------

# Product categories. nouns: how the left shop names the type; rnouns: the right shop's
# words. spec: the leading specification in a title (filled from params). features: bullet
# points (filled from params). price: list price range in USD.
CATEGORIES = {
    "lcd_tv": dict(
        nouns=["LCD HDTV", "LCD Flat Panel HDTV", "LCD TV"],
        rnouns=["LCD TV", "LCD HDTV", "HDTV", "Flat-Panel LCD Television"],
        spec='{size}"',
        params=dict(size=[26, 32, 37, 40, 42, 46, 52], hdmi=[2, 3, 4],
                    contrast=["15,000", "35,000", "50,000", "80,000"]),
        features=["1080p Full HD resolution", "120Hz refresh rate", "{hdmi} HDMI inputs",
                  "dynamic contrast ratio {contrast}:1", "PC input (D-sub)",
                  "ENERGY STAR qualified", "USB port for photos and music", "8 ms response time"],
        colors=["Black", "Piano Black", "Silver"], price=(379, 2399)),
    "plasma_tv": dict(
        nouns=["Plasma HDTV", "Plasma TV", "1080p Plasma HDTV"],
        rnouns=["Plasma TV", "Plasma HDTV", "Plasma Television"],
        spec='{size}"',
        params=dict(size=[42, 46, 50, 54, 58], hdmi=[3, 4],
                    contrast=["1,000,000", "2,000,000", "30,000"]),
        features=["1080p native resolution", "600Hz sub-field drive", "{hdmi} HDMI inputs",
                  "contrast ratio {contrast}:1", "SD card slot", "anti-reflective filter",
                  "THX certified display"],
        colors=["Black", "Piano Black"], price=(799, 3299)),
    "bluray": dict(
        nouns=["Blu-ray Disc Player", "Blu-ray Player"],
        rnouns=["Blu-ray Player", "Blu-Ray Disc Player", "BD Player"],
        spec="", params={},
        features=["BD-Live (Profile 2.0)", "1080p/24 output", "DVD upscaling to 1080p",
                  "Dolby TrueHD and DTS-HD Master Audio decoding", "Ethernet port",
                  "HDMI 1.3 output", "plays CD, DVD and AVCHD discs"],
        colors=["Black"], price=(149, 449)),
    "dvd": dict(
        nouns=["Progressive Scan DVD Player", "DVD Player", "Upconverting DVD Player"],
        rnouns=["DVD Player", "DVD Player w/ Upconversion", "Progressive-Scan DVD Player"],
        spec="", params={},
        features=["1080p upscaling via HDMI", "plays DVD+R/RW and DVD-R/RW", "DivX certified",
                  "slim, compact design", "coaxial digital audio output", "JPEG photo playback"],
        colors=["Black", "Silver"], price=(39, 139)),
    "hts": dict(
        nouns=["Home Theater System", "Home Theater in a Box", "DVD Home Theater System"],
        rnouns=["Home Theater System", "Home Cinema System", "Surround Sound System"],
        spec="{ch}-Channel",
        params=dict(ch=["5.1", "7.1", "2.1"], watts=[600, 850, 1000, 1100]),
        features=["{watts}W total system power", "HDMI output with 1080p upscaling",
                  "iPod dock included", "Dolby Digital and DTS decoding",
                  "wireless rear speaker ready", "5-disc DVD changer", "FM tuner with 30 presets"],
        colors=["Black", "Silver"], price=(199, 999)),
    "receiver": dict(
        nouns=["A/V Receiver", "Home Theater Receiver", "Audio/Video Receiver"],
        rnouns=["AV Receiver", "Audio Video Receiver", "Surround Receiver"],
        spec="{ch}-Channel",
        params=dict(ch=["5.1", "6.1", "7.1"], wpc=[80, 90, 100, 110, 120], hdmi=[2, 3, 4]),
        features=["{wpc} watts per channel", "{hdmi} HDMI 1.3a inputs", "Audyssey auto calibration",
                  "Dolby TrueHD / DTS-HD Master Audio", "XM Satellite Radio ready",
                  "video upconversion to 1080i", "iPod connectivity"],
        colors=["Black"], price=(249, 1199)),
    "turntable": dict(
        nouns=["Turntable", "Stereo Turntable", "Audio Turntable"],
        rnouns=["Turntable", "Record Player", "Belt-Drive Turntable"],
        spec="", params={},
        features=["belt drive system", "33 1/3 and 45 RPM speeds", "built-in phono preamp",
                  "USB output for recording to PC", "fully automatic operation",
                  "moving magnet cartridge", "static balance tonearm"],
        colors=["Black", "Silver"], price=(99, 299)),
    "headphones": dict(
        nouns=["Headphones", "Stereo Headphones", "Studio Monitor Headphones"],
        rnouns=["Headphones", "Headphone", "Over-Ear Headphones"],
        spec="", params=dict(mm=[30, 40, 50]),
        features=["{mm} mm neodymium drivers", "closed-back design", "noise cancelling",
                  "folding design for travel", "gold-plated plug", "3 m cord", "carrying case included"],
        colors=["Black", "White", "Silver"], price=(19, 349)),
    "speakers": dict(
        nouns=["Bookshelf Speakers", "Speaker System", "Multimedia Speaker System"],
        rnouns=["Speakers", "Speaker System", "Bookshelf Speaker (Pair)"],
        spec="", params=dict(woofer=["4", "5.25", "6.5"], watts=[20, 40, 100, 150]),
        features=['{woofer}" woofer', "{watts}W RMS", "2-way design", "magnetically shielded",
                  "headphone jack", "bass reflex port", "wall-mountable"],
        colors=["Black", "White", "Cherry"], price=(49, 599)),
    "camera": dict(
        nouns=["Digital Camera", "Digital Still Camera", "Compact Digital Camera"],
        rnouns=["Digital Camera", "Camera", "Point & Shoot Camera"],
        spec="{mp} Megapixel",
        params=dict(mp=["8.0", "10.0", "10.1", "12.1", "14.1"], zoom=[3, 4, 5, 10, 12, 18],
                    lcd=["2.5", "2.7", "3.0"]),
        features=["{zoom}x optical zoom", '{lcd}" LCD screen', "optical image stabilization",
                  "face detection", "HD movie mode", "SD/SDHC card slot", "smile shutter"],
        colors=["Black", "Silver", "Red", "Blue", "Pink"], price=(99, 449)),
    "dslr": dict(
        nouns=["Digital SLR Camera", "Digital SLR Camera Kit", "DSLR Camera Body"],
        rnouns=["DSLR Camera", "Digital SLR", "SLR Digital Camera"],
        spec="{mp} Megapixel",
        params=dict(mp=["10.1", "12.3", "14.2", "15.1"], fps=[3, 4, 5, 6.3],
                    lcd=["2.7", "3.0"]),
        features=["{fps} fps continuous shooting", '{lcd}" LCD monitor', "Live View mode",
                  "built-in sensor cleaning", "ISO 100-3200", "9-point autofocus", "CompactFlash slot"],
        colors=["Black"], price=(499, 1499)),
    "lens": dict(
        nouns=["Lens", "Camera Lens", "Zoom Lens"],
        rnouns=["Lens", "Camera Lens"],
        spec="", params={},
        features=["image stabilizer", "ultrasonic autofocus motor", "minimum focus distance 0.45 m",
                  "filter size 58 mm", "lens hood included", "aspherical elements"],
        colors=["Black"], price=(99, 1299)),
    "camcorder": dict(
        nouns=["Camcorder", "Hard Drive Camcorder", "Flash Memory Camcorder"],
        rnouns=["Camcorder", "Digital Camcorder", "HDD Camcorder"],
        spec="",
        params=dict(zoom=[32, 35, 37, 40, 60], storage=["60GB hard drive", "80GB hard drive",
                                                          "16GB flash memory", "SD/SDHC card"]),
        features=["{zoom}x optical zoom", "{storage}", '2.7" widescreen LCD',
                  "optical image stabilization", "USB 2.0", "Full HD 1080i recording"],
        colors=["Black", "Silver", "Red"], price=(199, 999)),
    "router": dict(
        nouns=["Wireless-N Router", "Wireless Router", "Wireless-N Gigabit Router"],
        rnouns=["Wireless Router", "Wireless-N Broadband Router", "WiFi Router"],
        spec="", params=dict(speed=["150Mbps", "270Mbps", "300Mbps"]),
        features=["802.11n draft 2.0", "up to {speed}", "4-port 10/100 switch", "WPA/WPA2 security",
                  "dual-band 2.4 and 5 GHz", "SPI firewall", "USB storage port"],
        colors=["Black", "Blue", "White"], price=(49, 179)),
    "switch": dict(
        nouns=["Gigabit Switch", "Ethernet Switch", "Desktop Switch"],
        rnouns=["Network Switch", "Gigabit Ethernet Switch", "Switch"],
        spec="{ports}-Port", params=dict(ports=[5, 8, 16, 24]),
        features=["10/100/1000 Mbps ports", "fanless, silent operation", "plug-and-play",
                  "metal case", "auto MDI/MDI-X", "energy-efficient design"],
        colors=["Black", "Gray", "Blue"], price=(29, 299)),
    "mouse": dict(
        nouns=["Cordless Mouse", "Wireless Laser Mouse", "Optical Mouse"],
        rnouns=["Wireless Mouse", "Mouse", "Laser Mouse"],
        spec="", params=dict(dpi=[800, 1000, 1600]),
        features=["{dpi} dpi laser tracking", "nano receiver", "scroll wheel with tilt",
                  "up to 12 months battery life", "ambidextrous shape", "USB plug-and-play"],
        colors=["Black", "Silver", "Red"], price=(19, 99)),
    "keyboard": dict(
        nouns=["Cordless Desktop", "Wireless Keyboard", "Keyboard and Mouse Combo"],
        rnouns=["Wireless Keyboard", "Keyboard & Mouse", "Keyboard"],
        spec="", params={},
        features=["spill-resistant design", "media keys", "palm rest", "2.4 GHz wireless",
                  "laser mouse included", "low-profile keys"],
        colors=["Black", "Silver"], price=(29, 149)),
    "webcam": dict(
        nouns=["Webcam", "Web Camera", "HD Webcam"],
        rnouns=["Webcam", "Web Cam", "Video Webcam"],
        spec="", params=dict(mp=["1.3", "2", "8"]),
        features=["{mp} megapixel photos", "built-in microphone", "autofocus",
                  "universal monitor clip", "720p video calls", "USB 2.0"],
        colors=["Black", "Silver"], price=(29, 129)),
    "gps": dict(
        nouns=["Portable GPS Navigator", "GPS Navigation System", "Automotive GPS"],
        rnouns=["GPS", "Car GPS Navigator", "GPS Receiver"],
        spec='{screen}"', params=dict(screen=["3.5", "4.3", "5.0"]),
        features=["widescreen touchscreen", "text-to-speech street names", "Bluetooth hands-free calling",
                  "lifetime map updates", "lane assist with junction view", "preloaded maps of North America"],
        colors=["Black", "Silver"], price=(129, 449)),
    "surge": dict(
        nouns=["Surge Protector", "Surge Protector Strip", "Power Strip Surge Protector"],
        rnouns=["Surge Protector", "Power Strip", "Surge Suppressor"],
        spec="{outlets}-Outlet",
        params=dict(outlets=[6, 8, 10, 12], joules=["1,045", "2,160", "3,390", "4,320"],
                    cord=[4, 6, 8, 10]),
        features=["{joules} joules", "{cord} ft. cord", "coax and phone line protection",
                  "$100,000 connected equipment warranty", "rotating outlets", "LED protection indicators"],
        colors=["Black", "White", "Gray"], price=(14, 79)),
    "printer": dict(
        nouns=["All-in-One Printer", "Inkjet Printer", "Photo All-in-One"],
        rnouns=["All-In-One Printer", "Printer/Scanner/Copier", "Inkjet Printer"],
        spec="", params=dict(ppm=[26, 30, 32, 34], dpi=["4800 x 1200", "9600 x 2400"]),
        features=["up to {ppm} ppm black", "{dpi} dpi", "built-in Wi-Fi", "auto document feeder",
                  "memory card slots", "2.4\" color display", "duplex printing"],
        colors=["Black", "Gray"], price=(79, 399)),
    "ink": dict(
        nouns=["Ink Cartridge", "Inkjet Cartridge", "Original Ink Cartridge"],
        rnouns=["Ink Cartridge", "Ink Cart", "Printer Ink"],
        spec="", params=dict(pages=[170, 200, 250, 480]),
        features=["up to {pages} pages", "fade-resistant ink", "smudge-resistant",
                  "genuine original supplies", "easy installation"],
        colors=["Black", "Cyan", "Magenta", "Yellow"], price=(14, 49)),
    "frame": dict(
        nouns=["Digital Picture Frame", "Digital Photo Frame"],
        rnouns=["Digital Frame", "Digital Photo Frame", "Photo Frame"],
        spec='{screen}"', params=dict(screen=["7", "8", "10.4"], res=["800 x 480", "800 x 600"]),
        features=["{res} resolution", "SD/MS/xD card slots", "built-in Wi-Fi", "slideshow with music",
                  "128 MB internal memory", "remote control"],
        colors=["Black", "White", "Silver"], price=(59, 249)),
    "mp3": dict(
        nouns=["Video MP3 Player", "MP3 Player", "Portable Media Player"],
        rnouns=["MP3 Player", "Digital Media Player", "Video MP3 Player"],
        spec="{cap}GB", params=dict(cap=[2, 4, 8, 16, 32]),
        features=['2" color display', "FM radio", "up to 33 hours battery life",
                  "noise cancelling earbuds", "drag-and-drop music", "photo viewer"],
        colors=["Black", "Pink", "Blue", "Silver"], price=(49, 299)),
    "microwave": dict(
        nouns=["Microwave Oven", "Countertop Microwave", "Over-the-Range Microwave"],
        rnouns=["Microwave", "Microwave Oven", "OTR Microwave"],
        spec="{cuft} cu. ft.", params=dict(cuft=["1.1", "1.2", "1.6", "2.0"],
                                           watts=[900, 1000, 1100, 1200]),
        features=["{watts} watts", "sensor cooking", "crisp plate Ø 30 cm", "turntable on/off",
                  "child lock", "10 power levels", "stainless steel interior"],
        colors=["Black", "White", "Stainless Steel"], price=(89, 499)),
    "dishwasher": dict(
        nouns=["Dishwasher", "Built-In Dishwasher", "Tall Tub Dishwasher"],
        rnouns=["Dishwasher", "Built-in Dishwasher"],
        spec="", params=dict(place=[12, 14, 16], dba=[45, 48, 50, 52]),
        features=["{place} place settings", "{dba} dBA quiet operation", "stainless steel tub",
                  "hidden controls", "sanitize cycle", "adjustable upper rack"],
        colors=["White", "Black", "Stainless Steel"], price=(349, 1199)),
    "washer": dict(
        nouns=["Front Load Washer", "Front-Loading Washing Machine", "Washer"],
        rnouns=["Washer", "Front-Load Washer", "Washing Machine"],
        spec="{cuft} cu. ft.", params=dict(cuft=["3.5", "4.0", "4.2", "4.5"],
                                           rpm=[1100, 1200, 1300]),
        features=["{rpm} RPM max spin", "steam cycle", "ENERGY STAR qualified",
                  "allergiene cycle", "9 wash cycles", "delay start"],
        colors=["White", "Titanium", "Chrome Shadow"], price=(499, 1399)),
    "fridge": dict(
        nouns=["French Door Refrigerator", "Side-by-Side Refrigerator", "Refrigerator"],
        rnouns=["Refrigerator", "French-Door Refrigerator", "Fridge"],
        spec="{cuft} cu. ft.", params=dict(cuft=["21", "25", "26", "28"]),
        features=["external ice and water dispenser", "LED interior lighting", "ENERGY STAR qualified",
                  "humidity-controlled crispers", "spill-proof glass shelves", "door alarm"],
        colors=["Stainless Steel", "White", "Black"], price=(899, 2799)),
    "coffee": dict(
        nouns=["Espresso Machine", "Coffee Machine", "Coffee Maker"],
        rnouns=["Espresso Maker", "Coffee Machine", "Coffeemaker"],
        spec="{bar}-Bar", params=dict(bar=[15, 19]),
        features=["{bar} bar pump pressure", "thermoblock heating", "removable water tank",
                  "milk frother", "energy-saving auto off", "cup warmer"],
        colors=["Titan", "Red", "Black", "Silver"], price=(99, 899)),
    "projector": dict(
        nouns=["Home Theater Projector", "3LCD Projector", "Home Cinema Projector"],
        rnouns=["Projector", "Home Theater Projector", "LCD Projector"],
        spec="", params=dict(lumens=[1200, 1600, 1800, 2000], contrast=["18,000", "50,000", "75,000"]),
        features=["{lumens} lumens", "contrast ratio {contrast}:1", "1080p resolution", "lens shift",
                  "2 HDMI inputs", "whisper-quiet 22 dB"],
        colors=["White", "Black"], price=(999, 2999)),
    "shaver": dict(
        nouns=["Electric Shaver", "Men's Shaver", "Rotary Shaver"],
        rnouns=["Shaver", "Electric Razor", "Men's Electric Shaver"],
        spec="", params={},
        features=["wet/dry use", "pop-up trimmer", "rechargeable with 50 minutes run time",
                  "cleaning station", "travel pouch", "LCD battery indicator"],
        colors=["Silver", "Black", "Blue"], price=(49, 249)),
    "led": dict(
        nouns=["LED Bulb", "LED Light Bulb", "LED Reflector Lamp"],
        rnouns=["LED Lamp", "LED Bulb", "LED Light"],
        spec="{watts}W", params=dict(watts=[4, 6, 8, 10], lm=[250, 400, 470, 806]),
        features=["{lm} lumens", "warm white 2700 K", "E26 base", "dimmable", "25,000 hour life"],
        colors=["Warm White", "Cool White"], price=(9, 39)),
}

# Brands: the canonical name, how the right shop may spell the manufacturer, and product
# lines as (category, line name, model pattern or explicit list of model names).
BRANDS = [
    ("Sony", ["SONY", "Sony Electronics", "sony"], [
        ("lcd_tv", "BRAVIA V Series", "KDL-{size}V#100"),
        ("lcd_tv", "BRAVIA XBR", "KDL-{size}XBR#"),
        ("bluray", "", "BDP-S#50"),
        ("hts", "BRAVIA Theater", "HT-SS#60"),
        ("turntable", "", ["PS-LX350H", "PS-LX300USB", "PS-LX250H", "PS-HX500"]),
        ("headphones", "", "MDR-V#50"),
        ("camera", "Cyber-shot", "DSC-W##0"),
        ("camcorder", "Handycam", "DCR-SR#5"),
        ("mp3", "Walkman", "NWZ-S6#5"),
        ("speakers", "", "SS-B#000"),
        ("dvd", "", "DVP-NS#10"),
        ("receiver", "", "STR-DG#20")]),
    ("Panasonic", ["PANASONIC", "Panasonic Consumer Electronics"], [
        ("bluray", "", "DMP-BD#0"),
        ("plasma_tv", "VIERA", "TH-{size}PZ8#U"),
        ("camera", "Lumix", "DMC-FZ##K"),
        ("camera", "Lumix", "DMC-TZ#S"),
        ("camcorder", "", "SDR-H#0"),
        ("microwave", "Genius", "NN-H7#5BF"),
        ("shaver", "Arc3", "ES-LA#3K"),
        ("hts", "", "SC-PT#60"),
        ("lcd_tv", "VIERA", "TC-{size}LZ8#")]),
    ("Samsung", ["SAMSUNG", "Samsung Electronics"], [
        ("lcd_tv", "", "LN{size}A6#0"),
        ("plasma_tv", "", "PN{size}A5#0"),
        ("bluray", "", "BD-P#600"),
        ("hts", "", "HT-Z#10"),
        ("camcorder", "", "SMX-C#0"),
        ("fridge", "", "RF2#7ABRS"),
        ("washer", "", "WF3#8AAW"),
        ("dvd", "", "DVD-#1080"),
        ("microwave", "", "SMH#185STD"),
        ("dishwasher", "", "DMT#00RHS")]),
    ("Canon", ["CANON", "Canon USA"], [
        ("camera", "PowerShot", "SD##0 IS"),
        ("camera", "PowerShot", "A#90 IS"),
        ("dslr", "EOS", "EOS ##D"),
        ("lens", "", ["EF 50mm f/1.8 II", "EF-S 55-250mm f/4-5.6 IS", "EF 75-300mm f/4-5.6 III",
                      "EF-S 18-200mm f/3.5-5.6 IS", "EF 70-200mm f/4L USM"]),
        ("printer", "PIXMA", "MP#80"),
        ("camcorder", "VIXIA", "HF##0"),
        ("camera", "PowerShot", "SX#10 IS"),
        ("ink", "ChromaLife100", "CLI-2#1")]),
    ("Nikon", ["NIKON", "Nikon Inc."], [
        ("camera", "Coolpix", "S##0"),
        ("camera", "Coolpix", "P#0"),
        ("dslr", "", "D#0"),
        ("camera", "Coolpix", "L1#"),
        ("lens", "Nikkor", ["AF-S DX 18-55mm f/3.5-5.6G VR", "AF-S DX 55-200mm f/4-5.6G ED VR",
                            "AF-S 50mm f/1.4G", "AF-S DX 35mm f/1.8G", "AF-S VR 70-300mm f/4.5-5.6G"])]),
    ("Bose", ["BOSE", "Bose Corporation"], [
        ("headphones", "", ["QuietComfort 3", "QuietComfort 2", "TriPort IE", "TriPort OE",
                            "QuietComfort 15"]),
        ("speakers", "", ["Companion 2 Series II", "Companion 3 Series II", "Companion 5", "Companion 20"]),
        ("hts", "", ["Acoustimass 6 Series III", "Acoustimass 10 Series IV", "Lifestyle V20",
                     "Lifestyle V30", "CineMate Series II"]),
        ("speakers", "SoundDock", ["SoundDock Series II", "SoundDock Portable", "SoundDock 10",
                                   "Wave Music System"])]),
    ("Linksys", ["LINKSYS", "Linksys by Cisco", "Cisco-Linksys"], [
        ("router", "", "WRT#10N"),
        ("router", "Ultra RangePlus", "WRT#60N"),
        ("switch", "EtherFast", ["EZXS55W", "EZXS88W", "EZXS16W"]),
        ("switch", "", "SD20#5"),
        ("router", "", "WRT5#GL")]),
    ("Netgear", ["NETGEAR", "NetGear Inc."], [
        ("router", "RangeMax", "WNR#500"),
        ("router", "", "WNDR3#00"),
        ("switch", "ProSafe", ["GS105", "GS108", "GS116", "JGS524", "GS108T"]),
        ("switch", "", "FS1#6")]),
    ("Logitech", ["LOGITECH", "Logitech Inc"], [
        ("mouse", "", "V#50 Nano"),
        ("mouse", "MX", "MX #00"),
        ("keyboard", "Cordless Desktop", "EX #10"),
        ("webcam", "QuickCam", "Pro #000"),
        ("speakers", "", "Z-#23"),
        ("headphones", "ClearChat", "H#90")]),
    ("Philips", ["PHILIPS", "Philips Electronics", "Philips Consumer Lifestyle"], [
        ("coffee", "Senseo", "HD78#2"),
        ("coffee", "Café Gourmet", "HD75#6"),
        ("dvd", "", "DVP3#80"),
        ("shaver", "Norelco", "8#40XL"),
        ("lcd_tv", "", "{size}PFL#703D"),
        ("headphones", "", "SHP#500"),
        ("speakers", "", "SBA#600")]),
    ("LG", ["LG Electronics", "lg"], [
        ("lcd_tv", "", "{size}LG#0"),
        ("plasma_tv", "", "{size}PG#0"),
        ("bluray", "", "BD#70"),
        ("washer", "", "WM2#77H"),
        ("fridge", "", "LFX2#978S"),
        ("dishwasher", "", "LDF6#20"),
        ("dvd", "", "DVX#82H"),
        ("microwave", "", "LMV2#31ST")]),
    ("Garmin", ["GARMIN", "Garmin International"], [
        ("gps", "nüvi", "2#0W"),
        ("gps", "nüvi", "7#0"),
        ("gps", "StreetPilot", "c5#0"),
        ("gps", "nüvi", "1#90T")]),
    ("Belkin", ["BELKIN", "Belkin International"], [
        ("surge", "SurgeMaster", "F9H#10-##"),
        ("surge", "", "BE1#2230-08"),
        ("router", "N+", "F5D8#33"),
        ("switch", "", "F5D51#1-8")]),
    ("Kodak", ["KODAK", "Eastman Kodak"], [
        ("camera", "EasyShare", "M##3"),
        ("camera", "EasyShare", "Z#015 IS"),
        ("frame", "EasyShare", "P#20"),
        ("printer", "ESP", "ESP #250"),
        ("ink", "", "#0B"),
        ("camcorder", "", "Zi#")]),
    ("Pioneer", ["PIONEER", "Pioneer Electronics"], [
        ("receiver", "", "VSX-#19AH-K"),
        ("bluray", "Elite", "BDP-#1FD"),
        ("plasma_tv", "KURO", "PDP-{size}11FD"),
        ("hts", "", "HTP-S#1#"),
        ("dvd", "", "DV-#20V"),
        ("speakers", "", "S-#1B-LR")]),
    ("Yamaha", ["YAMAHA", "Yamaha Electronics"], [
        ("receiver", "", "RX-V#65"),
        ("speakers", "", "NS-#10"),
        ("hts", "YSP", "YSP-#00"),
        ("bluray", "", "BD-S#67")]),
    ("Toshiba", ["TOSHIBA", "Toshiba America"], [
        ("lcd_tv", "REGZA", "{size}RV5#5U"),
        ("dvd", "", "SD-K#50"),
        ("camcorder", "Camileo", "H#0"),
        ("bluray", "", "BDX#000")]),
    ("HP", ["Hewlett-Packard", "hp", "Hewlett Packard"], [
        ("printer", "Officejet", "J4#80"),
        ("printer", "Photosmart", "C4#80"),
        ("ink", "", "CC6#0WN"),
        ("webcam", "", "HD-#100"),
        ("mouse", "", "X#000")]),
    ("Epson", ["EPSON", "Epson America"], [
        ("printer", "Stylus", "NX#15"),
        ("printer", "Artisan", "#00"),
        ("projector", "PowerLite Home Cinema", "#100"),
        ("ink", "DURABrite Ultra", "T0#9120"),
        ("projector", "PowerLite", "#10W")]),
    ("Olympus", ["OLYMPUS", "Olympus Imaging"], [
        ("camera", "Stylus Tough", "#000"),
        ("camera", "", "FE-3#0"),
        ("dslr", "Evolt", "E-#20"),
        ("mp3", "", "m:robe #00"),
        ("lens", "Zuiko Digital", ["ED 14-42mm f/3.5-5.6", "ED 40-150mm f/4.0-5.6",
                                   "ED 70-300mm f/4.0-5.6", "ED 9-18mm f/4.0-5.6"])]),
    ("JVC", ["JVC Americas", "jvc"], [
        ("camcorder", "Everio", "GZ-MG##0"),
        ("headphones", "", "HA-RX#00"),
        ("hts", "", "TH-C#0"),
        ("lcd_tv", "", "LT-{size}X#98")]),
    ("Sharp", ["SHARP", "Sharp Electronics"], [
        ("lcd_tv", "AQUOS", "LC-{size}D6#U"),
        ("microwave", "Carousel", "R-#30JS"),
        ("microwave", "", "R-#20LK"),
        ("dvd", "", "DV-SL#0")]),
    ("Denon", ["DENON", "Denon Electronics"], [
        ("receiver", "", "AVR-##09CI"),
        ("bluray", "", "DBP-#500CI"),
        ("turntable", "", "DP-#00F"),
        ("headphones", "", "AH-D#000")]),
    ("Onkyo", ["ONKYO", "Onkyo USA"], [
        ("receiver", "", "TX-SR#06"),
        ("hts", "", "HT-S#100"),
        ("speakers", "", "SKS-HT#40")]),
    ("Whirlpool", ["WHIRLPOOL", "Whirlpool Corporation"], [
        ("microwave", "Gold", "GH4#55XPS"),
        ("dishwasher", "Gold", "DU10#0XTP"),
        ("washer", "Duet", "WFW9#50W"),
        ("fridge", "", "GI6F#RXXY"),
        ("microwave", "", "WMC#0520AS")]),
    ("Krups", ["KRUPS", "Krups USA"], [
        ("coffee", "Nespresso Pixie", "XN300#"),
        ("coffee", "", "EA8#00")]),
    ("De'Longhi", ["DeLonghi", "De Longhi", "DELONGHI"], [
        ("coffee", "Magnifica", "ESAM3#00"),
        ("coffee", "", "EC#55")]),
    ("Müller-Licht", ["Mueller-Licht", "Muller Licht", "MÜLLER-LICHT"], [
        ("led", "", "MLL-4#0##"),
        ("led", "Retro", "MLL-R#0")]),
]

# Marketing filler for left-side descriptions (brand-neutral).
TAGLINES = [
    "A great choice for the living room, dorm or office.",
    "Backed by a 1-year limited manufacturer warranty.",
    "Sleek, compact design fits almost anywhere.",
    "Easy setup - be up and running in minutes.",
    "Includes all necessary cables and a quick-start guide.",
    "Award-winning design and performance.",
    "Designed for everyday use, built to last.",
]

# Right-shop abbreviations (applied independently, each with some probability).
ABBREVIATIONS = [
    ("Stainless Steel", "SS"), ("Black", "Blk"), ("Silver", "Slvr"), ("White", "Wht"),
    ("Digital", "Dgtl"), ("Camera", "Cam"), ("Player", "Plyr"), ("Speakers", "Spkrs"),
    ("Receiver", "Rcvr"), ("Wireless", "Wrls"), ("Megapixel", "MP"), ("Refrigerator", "Refrig."),
    ("Headphones", "Headphone"), ("Theater", "Theatre"), ("Portable", "Port."),
    (" and ", " & "), ("with", "w/"),
]

STOPWORDS = ["the", "and", "a", "with", "w", "for", "of", "to", "in", "by"]
MIN_SHARED_WORDS = 2   # every true pair shares at least this many (non-stopword) tokens


# --------------------------------------------------------------------------------------
# Product generation
# --------------------------------------------------------------------------------------

def fill_pattern(rng, pattern, params):
    """Expand a model-code pattern: '#' -> random digit 1-9, '{name}' -> params[name]."""
    code = pattern.format(**params) if "{" in pattern else pattern
    return "".join(str(rng.randint(1, 9)) if ch == "#" else ch for ch in code)


def round_price(value):
    """Round a price to a shop-like ending: x4.99 or x9.99 (x.99 below $20)."""
    if value < 20:
        return round(int(value) + 0.99, 2)
    whole = int(value / 5) * 5 + 4
    return round(whole + 0.99, 2)


class Registry:
    """What has been drawn so far: model codes (unique over all files) and products per line.

    Used for membership tests and counts only, never iterated, so it cannot make the output
    depend on hash order.
    """

    def __init__(self):
        self.codes = set()
        self.per_line = {}

    def open_lines(self):
        """(brand entry, line) pairs that may still receive products, in catalogue order."""
        return [(b, line) for b in BRANDS for line in b[2]
                if self.per_line.get((b[0], line[1], str(line[2])), 0) < LINE_CAP]


def new_family(rng, registry):
    """Start a product family: one brand line with a shared feature set and price level.

    Products are added with add_sibling(); siblings share most features but differ in model
    code, usually in one or two parameters (screen size, megapixels, ...) and in price.
    """
    open_lines = registry.open_lines()
    if not open_lines:
        raise RuntimeError("catalogue exhausted: add product lines or raise LINE_CAP")
    (brand, aliases, _lines), (cat_name, line_name, models) = rng.choice(open_lines)
    cat = CATEGORIES[cat_name]
    explicit = list(models) if isinstance(models, list) else None
    if explicit:
        rng.shuffle(explicit)
    lo, hi = cat["price"]
    return dict(
        brand=brand, aliases=aliases, cat=cat_name, line=line_name, pattern=models,
        explicit=explicit, registry=registry, key=(brand, line_name, str(models)),
        features=rng.sample(cat["features"], rng.randint(4, min(6, len(cat["features"])))),
        params={k: rng.choice(v) for k, v in cat["params"].items()},
        base_price=rng.uniform(lo, hi),
    )


def add_sibling(rng, fam):
    """Draw one more product of family `fam`; None when its model codes are used up."""
    cat = CATEGORIES[fam["cat"]]
    registry = fam["registry"]
    if registry.per_line.get(fam["key"], 0) >= LINE_CAP:
        return None
    used = registry.codes
    params = dict(fam["params"])
    for key in rng.sample(sorted(params), min(len(params), rng.randint(0, 2))):
        params[key] = rng.choice(cat["params"][key])
    code = None
    if fam["explicit"] is not None:
        while fam["explicit"] and code is None:
            candidate = fam["explicit"].pop()
            if candidate not in used:
                code = candidate
    else:
        for _attempt in range(50):
            candidate = fill_pattern(rng, fam["pattern"], params)
            if candidate not in used:
                code = candidate
                break
    if code is None:   # codes used up: close the line for good
        registry.per_line[fam["key"]] = LINE_CAP
        return None
    used.add(code)
    registry.per_line[fam["key"]] = registry.per_line.get(fam["key"], 0) + 1
    # each sibling lists its own subset of the family's features, sometimes one more
    chosen = rng.sample(fam["features"], rng.randint(3, len(fam["features"])))
    other = [f for f in cat["features"] if f not in fam["features"]]
    if other and rng.random() < 0.4:
        chosen.append(rng.choice(other))
    features = [f.format(**params) for f in chosen]
    return dict(
        brand=fam["brand"], aliases=fam["aliases"], cat=fam["cat"], line=fam["line"],
        model=code, params=params, features=features, color=rng.choice(cat["colors"]),
        price=round_price(fam["base_price"] * rng.uniform(0.8, 1.25)),
    )


def make_families(rng, count, size_weights, registry):
    """Draw families until they hold `count` products; returns [(family, [products])]."""
    result, total = [], 0
    while total < count:
        fam = new_family(rng, registry)
        size = rng.choices(range(1, len(size_weights) + 1), weights=size_weights)[0]
        members = []
        for _ in range(min(size, count - total)):
            prod = add_sibling(rng, fam)
            if prod is None:
                break
            members.append(prod)
        if members:
            result.append((fam, members))
            total += len(members)
    return result


# --------------------------------------------------------------------------------------
# Rendering: how each shop writes a product
# --------------------------------------------------------------------------------------

def spec_text(p):
    """The title specification, e.g. '40"' or '10.1 Megapixel' (may be empty)."""
    return CATEGORIES[p["cat"]]["spec"].format(**p["params"])


def inch_variant(rng, text):
    """Rewrite inch marks the way another shop would: 40" -> 40in / 40-inch / 40''."""
    def repl(m):
        return m.group(1) + rng.choice(['"', "in", "-inch", "''", " in."])
    return re.sub(r'(\d+(?:\.\d+)?)"', repl, text)


def typo(rng, text, protect):
    """Introduce one typo (swap, drop or double a letter) in a word not in `protect`."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w not in protect]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(3)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == 1:
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def abbreviate(rng, text, prob):
    """Apply right-shop abbreviations, each with probability `prob`."""
    for long, short in ABBREVIATIONS:
        if long in text and rng.random() < prob:
            text = text.replace(long, short)
    return text


def model_variant(rng, model, p_plain, p_spaced=0.0):
    """The model code as a shop writes it: hyphens kept, dropped ("DMPBD60") or spaced.

    Names that contain spaces (lenses, Bose products) are always kept as they are.
    """
    if "-" not in model or " " in model:
        return model
    r = rng.random()
    if r < p_plain:
        return model.replace("-", "")
    if r < p_plain + p_spaced:
        return model.replace("-", " ")
    return model


def nouns_for(p, key):
    """Category nouns that do not repeat the line name ("Cordless Desktop Cordless Desktop")."""
    nouns = CATEGORIES[p["cat"]][key]
    return [n for n in nouns if p["line"] not in n and n not in p["line"]] or nouns


def capitalize(text):
    """Upper-case the first letter unless the word is camel-cased ("iPod" stays "iPod")."""
    if text[:1].islower() and not text[1:2].isupper():
        return text[0].upper() + text[1:]
    return text


def clean_spaces(text):
    """Collapse runs of white space (keeps texts tidy after optional parts are left out)."""
    return re.sub(r"\s+", " ", text).strip()


def left_record(rng, p):
    """Render a product the left shop's way: long regular title and feature list."""
    noun = rng.choice(nouns_for(p, "nouns"))
    model = model_variant(rng, p["model"], P_LEFT_PLAIN_CODE)
    color = p["color"]
    if p["cat"] == "coffee":
        color_part = " – " + color
    elif rng.random() < 0.5:
        color_part = " (" + color + ")"
    else:
        color_part = ""
    title = clean_spaces(f'{p["brand"]} {p["line"]} {spec_text(p)} {noun} - {model}{color_part}')

    feats = list(p["features"])
    style = rng.random()
    if style < 0.04:
        description = ""
    elif style < 0.055:   # a few multi-line descriptions (embedded newlines)
        description = "Key features:\n" + "\n".join("- " + f for f in feats)
    elif style < 0.55:
        description = f'{p["brand"]} {noun} - {p["model"]}/ ' + "/ ".join(capitalize(f) for f in feats)
    else:
        head = ", ".join(feats[:-1]) + " and " + feats[-1]
        description = (f'The {p["brand"]} {p["line"]} {p["model"]} {noun} offers {head}. '
                       f"{rng.choice(TAGLINES)}")
        description = clean_spaces(description)

    brand = p["brand"] if rng.random() > 0.04 else ""
    price = "" if rng.random() < 0.05 else f'{p["price"]:.2f}'
    return dict(title=title, brand=brand, description=description, price=price)


def right_record(rng, p, hard=1.0):
    """Render a product the right shop's way: reordered, abbreviated, sparser, noisier.

    `hard` scales the probability of the harsher edits (used to vary dedup duplicates).
    """
    noun = rng.choice(nouns_for(p, "rnouns"))
    model = model_variant(rng, p["model"], P_RIGHT_PLAIN_CODE, P_RIGHT_SPACED_CODE)
    if rng.random() < P_RIGHT_CODE_SUFFIX * hard and " " not in model:
        model = model + rng.choice(["B", "/B", "-BK", "K"])     # colour suffix on the code
    spec = inch_variant(rng, spec_text(p)).replace(" Megapixel", "MP")
    color = p["color"]
    line = p["line"]
    if line == "nüvi" and rng.random() < 0.5:
        line = "Nuvi"
    shown_brand = p["brand"] if rng.random() < 0.8 else rng.choice(p["aliases"])
    if rng.random() < 0.12 * hard:
        shown_brand = ""

    templates = [
        "{b} {m} {s} {n}",
        "{b} {l} {n} {m}",
        "{b} {s} {l} {n} - {m} - {c}",
        "{l} {s} {n} ({m}) {c}",
        "{b} {m} {l} {s} {n} {c}",
        "{b} {n} {m}",
    ]
    weights = [30, 20, 15, 10, 15, 10]
    tpl = rng.choices(templates, weights=weights)[0]
    if rng.random() < P_RIGHT_NO_CODE * hard:    # model code missing from the title
        tpl = "{b} {l} {s} {n} {c}"
    title = tpl.format(b=shown_brand, m=model, s=spec, n=noun, l=line, c=color)
    title = clean_spaces(title.replace("()", "").replace("- -", "-")).strip(" -")
    title = abbreviate(rng, title, 0.35)
    if rng.random() < 0.15 * hard:
        title = typo(rng, title, protect=[model] + shown_brand.split())
    if rng.random() < 0.05:
        title = title.upper() if rng.random() < 0.5 else title.lower()

    feats = list(p["features"])
    rng.shuffle(feats)
    r = rng.random()
    if r < 0.30 * hard:
        description = ""
    elif r < 0.50:
        description = f"{shown_brand} {model} {noun}"
    elif r < 0.85:
        k = rng.randint(1, 3)
        description = f"{noun} with " + ", ".join(feats[:k])
        if rng.random() < 0.4:
            description += f". Model {p['model']}. Color: {color}"
    else:
        description = " - ".join(capitalize(f) for f in feats[:4])
    description = abbreviate(rng, inch_variant(rng, clean_spaces(description)), 0.3)
    if description and rng.random() < 0.1 * hard:
        description = typo(rng, description, protect=[model])

    brand_field = rng.choice([p["brand"], p["brand"], p["brand"]] + p["aliases"])
    if rng.random() < 0.15 * hard:
        brand_field = ""
    if rng.random() < 0.13 * hard:
        price = ""
    else:
        price = f'{round(p["price"] * rng.uniform(0.85, 1.15), 2):.2f}'
    return dict(title=title, brand=brand_field, description=description, price=price)


def shared_words(a, b):
    """Distinct non-stopword tokens that two records share in title, brand or description."""
    ta = set(tokens(" ".join([a["title"], a["brand"], a["description"]])))
    tb = set(tokens(" ".join([b["title"], b["brand"], b["description"]])))
    return len(ta & tb)


def render_sharing(render, others, min_shared=MIN_SHARED_WORDS):
    """Call render() until its record shares `min_shared` words with every record in `others`.

    The retries draw from the same generator, so the result stays deterministic; they make
    sure a token-based blocker can find every true pair.
    """
    for _attempt in range(100):
        rec = render()
        if all(shared_words(rec, o) >= min_shared for o in others):
            return rec
    raise RuntimeError(f"cannot render a record sharing {min_shared} words with its match")


# --------------------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------------------

def near_misses(rng, families, count):
    """`count` new siblings of randomly chosen existing families (same line, other model)."""
    result = []
    while len(result) < count:
        fam, _members = rng.choice(families)
        prod = add_sibling(rng, fam)
        if prod is not None:
            result.append(prod)
    return result


def build_linkage(rng, registry):
    """Two tables plus one-to-one gold pairs.

    Products and their roles:
      matched        N_MATCHED products in families of 1-3 (matched siblings must be told
                     apart by model code);
      near misses    NEAR_MISS_LEFT / NEAR_MISS_RIGHT extra siblings of matched products
                     that only one shop lists;
      split pairs    SPLIT_PAIRS families of two unmatched siblings, one on each side
                     (the "PS-LX350H vs PS-LX300USB" trap: similar, yet not a match);
      others         unrelated products that only one shop lists.
    """
    matched_fams = make_families(rng, N_MATCHED, MATCHED_FAMILY_SIZES, registry)
    matched = [p for _fam, members in matched_fams for p in members]
    near_left = near_misses(rng, matched_fams, NEAR_MISS_LEFT)
    near_right = near_misses(rng, matched_fams, NEAR_MISS_RIGHT)
    split_left, split_right = [], []
    while len(split_left) < SPLIT_PAIRS:
        fam = new_family(rng, registry)
        pair = [add_sibling(rng, fam), add_sibling(rng, fam)]
        if None not in pair:
            split_left.append(pair[0])
            split_right.append(pair[1])
    n_other_left = N_LEFT_ONLY - NEAR_MISS_LEFT - SPLIT_PAIRS
    n_other_right = N_RIGHT_ONLY - NEAR_MISS_RIGHT - SPLIT_PAIRS
    other_left = [p for _f, ms in make_families(rng, n_other_left, OTHER_FAMILY_SIZES, registry) for p in ms]
    other_right = [p for _f, ms in make_families(rng, n_other_right, OTHER_FAMILY_SIZES, registry) for p in ms]

    products = matched + near_left + split_left + other_left + near_right + split_right + other_right
    roles = ["both"] * len(matched) + ["left"] * N_LEFT_ONLY + ["right"] * N_RIGHT_ONLY
    assert len(products) == len(roles)

    left_items, right_items = [], []
    for i, (p, role) in enumerate(zip(products, roles)):
        if role == "both":
            left_rec = left_record(rng, p)
            left_items.append((i, left_rec))
            render = functools.partial(right_record, rng, p)
            right_items.append((i, render_sharing(render, [left_rec])))
        elif role == "left":
            left_items.append((i, left_record(rng, p)))
        else:
            right_items.append((i, right_record(rng, p)))
    rng.shuffle(left_items)
    rng.shuffle(right_items)

    left_ids, right_ids = {}, {}
    left_rows, right_rows = [], []
    for n, (i, rec) in enumerate(left_items, 1):
        left_ids[i] = f"L{n:04d}"
        left_rows.append(dict(rec, id=left_ids[i]))
    for n, (i, rec) in enumerate(right_items, 1):
        right_ids[i] = f"R{n:04d}"
        right_rows.append(dict(rec, id=right_ids[i]))
    gold = sorted((left_ids[i], right_ids[i]) for i in left_ids if i in right_ids)
    return left_rows, right_rows, gold


def build_dedup(rng, registry):
    """One table with duplicate clusters of size 2-3, plus all within-cluster pairs."""
    n_entities = len(DEDUP_CLUSTER_SIZES) + DEDUP_SINGLETONS
    families = make_families(rng, n_entities, DEDUP_FAMILY_SIZES, registry)
    products = [p for _fam, members in families for p in members]
    sizes = DEDUP_CLUSTER_SIZES + [1] * DEDUP_SINGLETONS
    rng.shuffle(sizes)
    items = []
    for entity, (p, size) in enumerate(zip(products, sizes)):
        cluster = []
        for k in range(size):
            if k == 0:
                style = "left" if rng.random() < 0.6 else "right"
            elif k == 1:
                style = "right"
            else:
                style = "right" if rng.random() < 0.5 else "left"
            if style == "left":
                render = functools.partial(left_record, rng, p)
            else:
                render = functools.partial(right_record, rng, p, hard=0.6 if k < 2 else 1.0)
            rec = render_sharing(render, cluster)
            cluster.append(rec)
            items.append((entity, rec))
    rng.shuffle(items)
    rows, members = [], {}
    for n, (entity, rec) in enumerate(items, 1):
        rid = f"D{n:04d}"
        rows.append(dict(rec, id=rid))
        members.setdefault(entity, []).append(rid)
    pairs = []
    for entity in sorted(members):
        ids = sorted(members[entity])
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pairs.append((ids[a], ids[b]))
    return rows, sorted(pairs)


# --------------------------------------------------------------------------------------
# Output and verification
# --------------------------------------------------------------------------------------

def write_table(path, rows):
    """Write records as RFC 4180 CSV (csv module defaults, '\\n' line ends, UTF-8, no BOM)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r[c] for c in HEADER])


def write_pairs(path, pairs):
    """Write id pairs with the header left_id,right_id."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["left_id", "right_id"])
        w.writerows(pairs)


def read_csv(path):
    """Read a file back with the csv module; every row must have the header's width."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    bad = [i for i, r in enumerate(body, 2) if len(r) != len(header)]
    if bad:
        raise SystemExit(f"{path}: rows with wrong field count: {bad[:5]}")
    return header, body


def tokens(text):
    """Lower-case alphanumeric tokens without stop words (for the shared-words checks)."""
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOPWORDS]


def verify(out_dir):
    """Re-read every file and check counts, ids, one-to-one gold and shared words."""
    def p(name):
        return os.path.join(out_dir, name)

    lh, left = read_csv(p("left.csv"))
    rh, right = read_csv(p("right.csv"))
    gh, gold = read_csv(p("gold.csv"))
    dh, dedup = read_csv(p("dedup.csv"))
    dgh, dgold = read_csv(p("dedup_gold.csv"))
    assert lh == HEADER and rh == HEADER and dh == HEADER
    assert gh == ["left_id", "right_id"] and dgh == ["left_id", "right_id"]

    left_by_id = {r[0]: r for r in left}
    right_by_id = {r[0]: r for r in right}
    dedup_by_id = {r[0]: r for r in dedup}
    assert len(left_by_id) == len(left) and len(right_by_id) == len(right)
    assert len(dedup_by_id) == len(dedup)

    # gold: ids exist, one-to-one, and each pair shares words (so blocking can find it)
    assert all(l in left_by_id and r in right_by_id for l, r in gold)
    assert len({l for l, _ in gold}) == len(gold) == len({r for _, r in gold})
    min_shared = 10 ** 9
    for l, r in gold:
        a = set(tokens(" ".join(left_by_id[l][1:4])))
        b = set(tokens(" ".join(right_by_id[r][1:4])))
        min_shared = min(min_shared, len(a & b))
    assert min_shared >= 2, f"a gold pair shares only {min_shared} words"

    assert len(set(map(tuple, dgold))) == len(dgold)
    assert all(a in dedup_by_id and b in dedup_by_id and a < b for a, b in dgold)
    dmin_shared = min(len(set(tokens(" ".join(dedup_by_id[a][1:4])))
                          & set(tokens(" ".join(dedup_by_id[b][1:4])))) for a, b in dgold)
    assert dmin_shared >= 2, f"a dedup pair shares only {dmin_shared} words"

    print(f"left.csv        {len(left)} records")
    print(f"right.csv       {len(right)} records")
    print(f"gold.csv        {len(gold)} pairs (one-to-one; min shared words per pair: {min_shared})")
    print(f"dedup.csv       {len(dedup)} records")
    print(f"dedup_gold.csv  {len(dgold)} pairs")
    for name in ["left.csv", "right.csv", "gold.csv", "dedup.csv", "dedup_gold.csv"]:
        with open(p(name), "rb") as f:
            print(f"sha256 {hashlib.sha256(f.read()).hexdigest()}  {name}")


def main(argv):
    if len(argv) != 2:
        print("usage: python3 tools/make_example.py OUT_DIR   (e.g. examples/products)",
              file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(SEED)
    registry = Registry()
    left, right, gold = build_linkage(rng, registry)
    dedup, dedup_gold = build_dedup(rng, registry)
    write_table(os.path.join(out_dir, "left.csv"), left)
    write_table(os.path.join(out_dir, "right.csv"), right)
    write_pairs(os.path.join(out_dir, "gold.csv"), gold)
    write_table(os.path.join(out_dir, "dedup.csv"), dedup)
    write_pairs(os.path.join(out_dir, "dedup_gold.csv"), dedup_gold)
    verify(out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
