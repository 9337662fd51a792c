"""The landscape classes, with their COCO-Stuff label values (file value = COCO-Stuff id - 1).

Using COCO-Stuff's ids and names means a landscape model reads label maps made by any COCO-Stuff
segmenter (as the paper's Flickr landscapes were labelled) and shares COCO-Stuff's palette.
"""

SKY = 156  # sky-other
CLOUDS = 105
MOUNTAIN = 134
HILL = 126
SNOW = 158
ROCK = 149
TREE = 168
BUSH = 96
GRASS = 123
DIRT = 110
SAND = 153
SEA = 154
RIVER = 147
LAKE = 177  # water-other
FLOWER = 118

LANDSCAPE_CLASSES = {
    SKY: "sky-other", CLOUDS: "clouds", MOUNTAIN: "mountain", HILL: "hill", SNOW: "snow", ROCK: "rock",
    TREE: "tree", BUSH: "bush", GRASS: "grass", DIRT: "dirt", SAND: "sand", SEA: "sea", RIVER: "river",
    LAKE: "water-other", FLOWER: "flower",
}
WATER = (SEA, RIVER, LAKE)
